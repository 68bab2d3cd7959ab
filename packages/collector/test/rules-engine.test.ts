// The engine on ECS events (no decoders): each bucket type, one alert per (rule, group)
// with coalesced updates, bounded evidence, event time with lateness, watermark-driven
// absence and auto-resolution, cooldown reopening, allowlists, bounded keys with counted
// evictions, and rule replacement that keeps the state of unchanged rules.
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../src/rules/engine.js';
import { compileRule } from '../src/rules/loader.js';
import { validateRule } from '../src/rules/schema.js';
import { DEFAULT_GLOBAL_ALLOWLIST } from '../src/rules/allowlist.js';
import type { AlertUpdate, CompiledRule } from '../src/rules/types.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function rule(over: Record<string, unknown>): CompiledRule {
  return compileRule(validateRule({
    id: 'r', name: 'R', description: 'test rule', category: 'performance', type: 'match', where: {}, ...over,
  }, 'r.yaml'), DEFAULT_GLOBAL_ALLOWLIST);
}
const fail = (s: number, ip: string, extra: Record<string, unknown> = {}) => ({
  '@timestamp': iso(T0 + s * 1000), 'event.category': ['authentication'], 'event.outcome': 'failure', 'source.ip': ip, ...extra,
});
const bruteForce = (over: Record<string, unknown> = {}) => rule({
  type: 'threshold', where: { 'event.category': 'authentication', 'event.outcome': 'failure' },
  group_by: ['source.ip|source.address'], threshold: 5, window: '1m', sum_field: 'vigil.attempts', ...over,
});
function run(engine: RuleEngine, events: Array<Record<string, unknown>>): AlertUpdate[] {
  events.forEach((fields, i) => engine.ingest({ id: i, fields }));
  return engine.drain();
}
const finals = (updates: AlertUpdate[]) => [...new Map(updates.map((u) => [u.id, u])).values()];

describe('threshold', () => {
  it('opens one alert at the 5th attempt and folds the rest of the attack into it', () => {
    const e = new RuleEngine([bruteForce()]);
    const ups = run(e, Array.from({ length: 30 }, (_, i) => fail(i * 2, '203.0.113.7')));
    expect(ups).toHaveLength(1); // opened + updates in one drain coalesce
    expect(ups[0]).toMatchObject({ change: 'opened', status: 'open', count: 30, group: { 'source.ip': '203.0.113.7' }, rule: { id: 'r', severity: 'P2' } });
    expect(ups[0].first_seen).toBe(iso(T0));
    expect(ups[0].last_seen).toBe(iso(T0 + 58_000));
    // Evidence is bounded: the first 10 and the last 10 event ids.
    expect(ups[0].evidence).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    e.ingest({ id: 30, fields: fail(70, '203.0.113.7') });
    expect(e.drain()).toMatchObject([{ change: 'updated', count: 31, id: ups[0].id }]);
  });
  it('counts sum_field weights, not lines, and ignores zero-weight restatements', () => {
    const e = new RuleEngine([bruteForce()]);
    expect(run(e, [fail(0, '198.51.100.1', { 'vigil.attempts': 0 }), fail(1, '198.51.100.1', { 'vigil.attempts': 4 })])).toEqual([]);
    const ups = run(e, [fail(2, '198.51.100.1', { 'vigil.attempts': 1 })]);
    expect(ups).toMatchObject([{ count: 5, evidence: [1, 0] }]); // ids restart per run() call
  });
  it('keeps windows in event time, accepting a late event within the window', () => {
    const e = new RuleEngine([bruteForce()]);
    expect(run(e, [fail(0, '192.0.2.1'), fail(30, '192.0.2.1'), fail(65, '192.0.2.1'), fail(70, '192.0.2.1')])).toEqual([]);
    // Two late lines (t=50s, 60s) arrive after t=70s: 30..70 now holds 5 attempts.
    const ups = run(e, [fail(50, '192.0.2.1'), fail(60, '192.0.2.1')]);
    expect(ups).toHaveLength(1);
    expect(ups[0].first_seen).toBe(iso(T0 + 30_000));
  });
  it('lets the global allowlist (loopback) and a rule allowlist drop events', () => {
    const e = new RuleEngine([bruteForce({ allowlist: { addresses: ['10.0.0.0/8'], users: ['nagios'] } })]);
    const evs = [
      ...Array.from({ length: 10 }, (_, i) => fail(i, '127.0.0.1')),
      ...Array.from({ length: 10 }, (_, i) => fail(i, '::1')),
      ...Array.from({ length: 10 }, (_, i) => fail(i, '10.2.3.4')),
      ...Array.from({ length: 10 }, (_, i) => fail(i, '203.0.113.9', { 'user.name': 'nagios' })),
    ];
    expect(run(e, evs)).toEqual([]);
  });
  it('bounds keys per rule and counts evictions', () => {
    const e = new RuleEngine([bruteForce({ max_keys: 100 })]);
    run(e, Array.from({ length: 250 }, (_, i) => fail(i / 100, `198.18.${i >> 8}.${i & 255}`)));
    const [s] = e.stats();
    expect(s.keys).toBe(100);
    expect(s.evictions).toBe(150);
    expect(s.events).toBe(250);
  });
});

describe('distinct, sequence, sustained, absence', () => {
  it('distinct: fires at N distinct values per group', () => {
    const e = new RuleEngine([rule({ type: 'distinct', where: { 'event.outcome': 'failure' }, group_by: ['source.ip'], distinct_field: 'user.name', threshold: 3, window: '10m' })]);
    expect(run(e, ['a', 'a', 'b', 'a'].map((u, i) => fail(i, '203.0.113.3', { 'user.name': u })))).toEqual([]);
    // count: the distinct values (a, b, c), not the 5 events; a value seen again adds nothing
    expect(run(e, [fail(10, '203.0.113.3', { 'user.name': 'c' })])).toMatchObject([{ count: 3, change: 'opened' }]);
    expect(run(e, ['a', 'c', 'd'].map((u, i) => fail(11 + i, '203.0.113.3', { 'user.name': u })))).toMatchObject([{ count: 4, change: 'updated' }]);
  });
  it('sequence: N failures then a success from the same source, within the window', () => {
    const seq = rule({
      type: 'sequence', where: { 'event.category': 'authentication' }, group_by: ['source.ip'], window: '10m',
      steps: [{ where: { 'event.outcome': 'failure' }, count: 3 }, { where: { 'event.outcome': 'success' } }],
    });
    const ok = (s: number, ip: string) => ({ ...fail(s, ip), 'event.outcome': 'success' });
    const e = new RuleEngine([seq]);
    const ups = run(e, [fail(0, 'a'), fail(1, 'a'), ok(2, 'a'), fail(3, 'b'), fail(4, 'b'), fail(5, 'b'), fail(6, 'b'), ok(100, 'b'), ok(101, 'c')]);
    expect(ups).toHaveLength(1);
    expect(ups[0]).toMatchObject({ group: { 'source.ip': 'b' }, count: 4, evidence: [3, 4, 5, 6, 7] }); // the failures, not the login
    // A success after the window has lapsed does not complete a chain.
    const e2 = new RuleEngine([seq]);
    expect(run(e2, [fail(0, 'd'), fail(1, 'd'), fail(2, 'd'), ok(1000, 'd')])).toEqual([]);
  });
  it('sustained: fires once the condition has held for the duration, a dip restarts it', () => {
    const e = new RuleEngine([rule({ type: 'sustained', where: { 'host.cpu.pct': { exists: true } }, condition: { 'host.cpu.pct': { gte: 90 } }, group_by: ['agent.name'], for: '1m' })]);
    const cpu = (s: number, v: number) => ({ '@timestamp': iso(T0 + s * 1000), 'host.cpu.pct': v, 'agent.name': 'web-1' });
    expect(run(e, [cpu(0, 95), cpu(30, 95), cpu(50, 10), cpu(60, 95), cpu(90, 95)])).toEqual([]);
    expect(run(e, [cpu(120, 99)])).toMatchObject([{ change: 'opened', group: { 'agent.name': 'web-1' } }]);
  });
  it('absence: fires on the watermark, resolves when the key is seen again', () => {
    const e = new RuleEngine([rule({ type: 'absence', where: { 'vigil.type': 'backup', 'event.outcome': 'success' }, group_by: ['backup.job'], for: '1h' })], { latenessMs: 0 });
    const ok = (s: number, job: string) => ({ '@timestamp': iso(T0 + s * 1000), 'vigil.type': 'backup', 'event.outcome': 'success', 'backup.job': job });
    expect(run(e, [ok(0, 'pg'), ok(1800, 'files'), ok(3000, 'files')])).toEqual([]);
    const opened = run(e, [ok(3700, 'files')]);
    expect(opened).toMatchObject([{ change: 'opened', status: 'open', group: { 'backup.job': 'pg' }, first_seen: iso(T0), evidence: [0] }]);
    expect(run(e, [ok(4000, 'pg')])).toMatchObject([{ change: 'resolved', status: 'resolved', id: opened[0].id }]);
  });
  it('absence: declared keys start their clock with the first event; the wall clock can advance it', () => {
    const e = new RuleEngine([rule({ type: 'absence', where: { 'vigil.type': 'backup' }, group_by: ['backup.job'], for: '10m', keys: [{ 'backup.job': 'never' }] })], { latenessMs: 0 });
    expect(run(e, [{ '@timestamp': iso(T0), 'vigil.type': 'backup', 'backup.job': 'other' }])).toEqual([]);
    e.advanceTo(T0 + 11 * 60_000);
    const ups = e.drain();
    expect(ups.map((u) => u.group['backup.job']).sort()).toEqual(['never', 'other']);
  });
});

describe('alert lifecycle', () => {
  it('auto-resolves after quiet time and reopens the same alert within the cooldown', () => {
    const e = new RuleEngine([bruteForce({ resolve_after: '10m', cooldown: '1h' })], { latenessMs: 0 });
    const first = run(e, Array.from({ length: 5 }, (_, i) => fail(i, '203.0.113.5')));
    expect(first).toMatchObject([{ change: 'opened' }]);
    e.advanceTo(T0 + 15 * 60_000);
    expect(e.drain()).toMatchObject([{ change: 'resolved', status: 'resolved', id: first[0].id, count: 5 }]);
    const again = run(e, Array.from({ length: 5 }, (_, i) => fail(1200 + i, '203.0.113.5')));
    expect(again).toMatchObject([{ change: 'updated', status: 'open', id: first[0].id, count: 10 }]);
    // After the cooldown a new attack is a new alert.
    e.advanceTo(T0 + 4 * 3600_000);
    e.drain();
    const later = run(e, Array.from({ length: 5 }, (_, i) => fail(5 * 3600 + i, '203.0.113.5')));
    expect(later).toMatchObject([{ change: 'opened', count: 5 }]);
    expect(later[0].id).not.toBe(first[0].id);
    // ...and that new alert is the one the rest of the attack updates.
    const more = run(e, Array.from({ length: 10 }, (_, i) => fail(5 * 3600 + 10 + i, '203.0.113.5')));
    expect(more).toMatchObject([{ change: 'updated', id: later[0].id, count: 15 }]);
  });
  it('reports opened then resolved in order when both happen between drains', () => {
    const e = new RuleEngine([bruteForce({ resolve_after: '1m' })], { latenessMs: 0 });
    Array.from({ length: 5 }, (_, i) => fail(i, '203.0.113.6')).forEach((fields, i) => e.ingest({ id: i, fields }));
    e.ingest({ id: 9, fields: fail(600, '198.51.100.200') });
    expect(e.drain().map((u) => [u.change, u.status, u.count])).toEqual([['opened', 'open', 5], ['resolved', 'resolved', 5]]);
  });
  it('keeps the state of unchanged rules across setRules and restarts changed ones', () => {
    const a = bruteForce();
    const b = rule({ id: 'other', type: 'threshold', where: { 'event.outcome': 'failure' }, group_by: ['source.ip'], threshold: 5, window: '1m' });
    const e = new RuleEngine([a, b]);
    run(e, Array.from({ length: 4 }, (_, i) => fail(i, '203.0.113.8')));
    const b2 = rule({ id: 'other', type: 'threshold', where: { 'event.outcome': 'failure' }, group_by: ['source.ip'], threshold: 6, window: '1m' });
    e.setRules([bruteForce(), b2]);
    const ups = run(e, [fail(5, '203.0.113.8')]);
    expect(ups.map((u) => u.rule.id)).toEqual(['r']); // r kept its 4 attempts; 'other' restarted
    expect(e.stats().map((s) => s.rule)).toEqual(['r', 'other']);
  });
  it('ignores events without a parseable @timestamp or without the group field', () => {
    const e = new RuleEngine([bruteForce()]);
    expect(run(e, [
      ...Array.from({ length: 10 }, () => ({ ...fail(0, '203.0.113.1'), '@timestamp': 'yesterday' })),
      ...Array.from({ length: 10 }, (_, i) => ({ ...fail(i, ''), 'source.ip': undefined })),
    ])).toEqual([]);
  });
});
