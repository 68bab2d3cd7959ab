// The feature modules' start order is derived from their declarations (needs, provides,
// after), whatever order they are listed in; a missing or cyclic need is a clear error.
// The runner gives each module only what it declared and stops them in reverse.
import { describe, expect, it } from 'vitest';
import { createLogger } from '@vigil/proto';
import { loadModules } from '../src/modules.js';
import { ModuleOrderError, startOrder } from '../src/module-order.js';
import { startModules } from '../src/module-runner.js';
import { serviceKey, type CollectorModule, type ServerHooks } from '../src/module-contract.js';
import type { CollectorContext } from '../src/context.js';

const mod = (name: string, decl: Partial<CollectorModule> = {}) => ({ name, ...decl });
const names = (ms: Array<{ name: string }>) => ms.map((m) => m.name);

/** Each module comes after the providers of its needs and after the `after` modules present. */
function respects(order: Array<Pick<CollectorModule, 'name' | 'needs' | 'provides' | 'after'>>): void {
  const at = new Map(order.map((m, i) => [m.name, i]));
  order.forEach((m, i) => {
    for (const n of m.needs ?? []) {
      const p = order.findIndex((o) => o.provides?.includes(n));
      expect(p, `${m.name} needs ${n}`).toBeGreaterThanOrEqual(0);
      expect(p, `${n} before ${m.name}`).toBeLessThan(i);
    }
    for (const a of m.after ?? []) if (at.has(a)) expect(at.get(a)!, `${a} before ${m.name}`).toBeLessThan(i);
  });
}

describe('start order of the collector modules', () => {
  it('is derived from their declarations, in any listed order', async () => {
    const mods = await loadModules();
    const order = startOrder(mods);
    respects(order);
    expect(names(order)).toEqual(['telemetry', 'alerts', 'feed', 'outputs', 'rules', 'compliance']);
    const reversed = startOrder([...mods].reverse());
    respects(reversed);
    const pos = (n: string) => names(reversed).indexOf(n);
    for (const late of ['outputs', 'rules', 'compliance']) expect(pos('alerts')).toBeLessThan(pos(late));
    for (const producer of ['rules', 'compliance']) for (const listener of ['feed', 'outputs']) expect(pos(listener)).toBeLessThan(pos(producer));
  });
});

describe('startOrder', () => {
  it('puts providers first and keeps the given order otherwise', () => {
    const order = startOrder([mod('c', { needs: ['b-svc'] }), mod('a'), mod('b', { provides: ['b-svc'], needs: ['a-svc'] }), mod('x', { provides: ['a-svc'] })]);
    expect(names(order)).toEqual(['a', 'x', 'b', 'c']);
  });

  it('counts services already provided as met and orders by `after` only when present', () => {
    expect(names(startOrder([mod('r', { needs: ['alerts'], after: ['feed'] })], ['alerts']))).toEqual(['r']);
    expect(names(startOrder([mod('r', { after: ['feed'] }), mod('feed')]))).toEqual(['feed', 'r']);
  });

  it('names a need that no module provides', () => {
    expect(() => startOrder([mod('outputs', { needs: ['alerts'] })])).toThrow(new ModuleOrderError("module 'outputs' needs 'alerts', which no module provides"));
  });

  it('names the modules of a cycle', () => {
    const cyclic = [mod('a', { provides: ['A'], needs: ['C'] }), mod('b', { provides: ['B'], needs: ['A'] }), mod('c', { provides: ['C'], needs: ['B'] }), mod('d')];
    expect(() => startOrder(cyclic)).toThrow(ModuleOrderError);
    expect(() => startOrder(cyclic)).toThrow(/cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)$/);
    expect(() => startOrder([mod('a', { after: ['b'] }), mod('b', { after: ['a'] })])).toThrow(/cycle: (a -> b -> a|b -> a -> b)$/);
  });

  it('refuses a service provided twice and a module listed twice', () => {
    expect(() => startOrder([mod('a', { provides: ['s'] }), mod('b', { provides: ['s'] })])).toThrow("service 's' is provided by both module 'a' and module 'b'");
    expect(() => startOrder([mod('a'), mod('a')])).toThrow("module 'a' is listed twice");
  });
});

describe('startModules', () => {
  const ctx = { log: createLogger('silent') } as CollectorContext;
  const hooks = {} as Omit<ServerHooks, 'services'>;
  const S = serviceKey<{ n: number }>('s');

  it('hands a needed service over, and runs disposers in reverse start order', async () => {
    const log: string[] = [];
    const user: CollectorModule = { name: 'user', needs: ['s'], start: (_c, h) => { log.push(`user got ${h.services.get(S).n}`); return () => { log.push('user stop'); }; } };
    const provider: CollectorModule = { name: 'provider', provides: ['s'], start: (_c, h) => { h.services.provide(S, { n: 7 }); return async () => { log.push('provider stop'); }; } };
    const run = await startModules([user, provider], ctx, hooks);
    expect(run.order).toEqual(['provider', 'user']);
    expect(run.services.find(S)).toEqual({ n: 7 });
    await run.stop();
    expect(log).toEqual(['user got 7', 'user stop', 'provider stop']);
    expect(run.services.find(S)).toBeUndefined();
  });

  it('refuses an undeclared use or a declared service never provided, stopping what started', async () => {
    const stopped: string[] = [];
    const first: CollectorModule = { name: 'first', start: () => () => { stopped.push('first'); } };
    const sneaky: CollectorModule = { name: 'sneaky', start: (_c, h) => { h.services.get(S); return () => undefined; } };
    await expect(startModules([first, sneaky], ctx, hooks)).rejects.toThrow("module 'sneaky' uses service 's' without declaring it in needs");
    expect(stopped).toEqual(['first']);
    const lazy: CollectorModule = { name: 'lazy', provides: ['s'], start: () => () => { stopped.push('lazy'); } };
    await expect(startModules([lazy], ctx, hooks)).rejects.toThrow("module 'lazy' declares provides 's' but did not provide it");
    expect(stopped).toEqual(['first', 'lazy']);
  });
});
