// The rules module in a real collector core (SQLite, alerts module, fastify app): committed
// events become alerts synchronously (visible through /api/alerts right after the commit),
// heartbeats and the idle wall clock drive agent-silent, per-rule gauges reach /metrics,
// and reloads (folder change, SIGHUP) validate first, keep the old ruleset on error and
// keep the windows of unchanged rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from './alerts-harness.js';
import rulesModule from '../src/rules/module.js';
import { RULES } from '../src/rules/key.js';
import { startModules, type RunningModules } from '../src/module-runner.js';
import { RULESET_DIR } from '../src/paths.js';
import type { StoredEvent } from '../src/model.js';

let h: Harness;
let rules: RunningModules;
let clock = Date.parse('2026-11-27T10:00:00Z');
let seq = 0;
const rulesDir = mkdtempSync(join(tmpdir(), 'vigil-live-rules-'));
for (const id of ['ssh-brute-force', 'agent-silent']) {
  for (const ext of ['.yaml', '.md', '.cases.yaml']) cpSync(join(RULESET_DIR, 'detections', id + ext), join(rulesDir, id + ext));
}

function commit(fields: Array<Record<string, unknown>>): void {
  const events: StoredEvent[] = fields.map((f) => ({ id: ++seq, agent: 'web-1', seq, kind: 'log', fields: { 'agent.name': 'web-1', ...f } }));
  h.ctx.bus.emit('accepted', events);
  h.ctx.bus.emit('committed', events);
}
const failure = (ip: string, at: number) => ({
  '@timestamp': new Date(at).toISOString(), 'event.category': ['authentication'], 'event.outcome': 'failure',
  'process.name': 'sshd', 'source.ip': ip, 'user.name': 'root', 'vigil.attempts': 1,
});
async function alerts(query = ''): Promise<Array<Record<string, unknown>>> {
  const r = await h.app.inject({ method: 'GET', url: `/api/alerts${query}`, headers: { authorization: `Bearer ${h.viewer}` } });
  expect(r.statusCode).toBe(200);
  return r.json().alerts;
}
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 20)); }
};

beforeAll(async () => {
  h = await startHarness({ config: { rules: { dir: rulesDir, idle: '2s' } }, now: () => clock });
  rules = await startModules([rulesModule], h.ctx, h.hooks, { services: h.modules.services });
});
afterAll(async () => {
  await rules?.stop();
  await h.stop();
  rmSync(rulesDir, { recursive: true, force: true });
});

describe('rules module', () => {
  it('turns committed events into one stored alert, synchronously, and updates it', async () => {
    const t = clock;
    commit(Array.from({ length: 6 }, (_, i) => failure('203.0.113.7', t + i * 1000)));
    let list = await alerts('?rule.id=ssh-brute-force');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ 'rule.id': 'ssh-brute-force', severity: 'P1', status: 'open', count: 6, group: { 'source.ip': '203.0.113.7' }, 'threat.technique.id': 'T1110.001', 'agent.name': 'web-1' });
    commit([failure('203.0.113.7', t + 10_000), failure('203.0.113.7', t + 11_000)]);
    list = await alerts('?rule.id=ssh-brute-force');
    expect(list).toHaveLength(1);
    expect(list[0].count).toBe(8);
  });

  it('fires agent-silent from the idle wall clock and resolves it on the next heartbeat', async () => {
    h.ctx.bus.emit('heartbeat', 'db-1', clock);
    const live = h.modules.services.find(RULES)!;
    clock += 3 * 60_000;          // three minutes pass with no input at all
    live.tick();
    let list = await alerts('?rule.id=agent-silent');
    expect(list.map((a) => (a.group as Record<string, string>)['agent.name']).sort()).toEqual(['db-1', 'web-1']);
    expect(list.every((a) => a.status === 'open' && a.severity === 'P3')).toBe(true);
    h.ctx.bus.emit('heartbeat', 'db-1', clock);
    list = await alerts('?rule.id=agent-silent');
    expect(list.find((a) => (a.group as Record<string, string>)['agent.name'] === 'db-1')!.status).toBe('resolved');
  });

  it('publishes per-rule gauges on /metrics', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h.viewer}` } });
    expect(r.body).toMatch(/vigil_rule_keys\{rule="agent-silent"\} 2/);
    expect(r.body).toMatch(/vigil_rule_evictions\{rule="ssh-brute-force"\} 0/);
    expect(r.body).toMatch(/vigil_rule_alerts_open\{rule="ssh-brute-force"\} 1/);
  });

  it('reloads on folder change and SIGHUP, keeping the old rules on error and unchanged windows', async () => {
    const live = h.modules.services.find(RULES)!;
    commit(Array.from({ length: 4 }, (_, i) => failure('198.51.100.4', clock + i * 1000)));
    writeFileSync(join(rulesDir, 'broken.yaml'), 'id: broken\nname: B\n');
    await until(() => live.reloadErrors >= 1);
    expect(live.engine.rules.map((r) => r.spec.id).sort()).toEqual(['agent-silent', 'ssh-brute-force']);
    rmSync(join(rulesDir, 'broken.yaml'));
    await until(() => live.reloads >= 1);
    const before = live.reloads;
    process.kill(process.pid, 'SIGHUP');
    await until(() => live.reloads > before);
    // ssh-brute-force is unchanged: its 4 attempts survived both reloads; the 5th fires.
    commit([failure('198.51.100.4', clock + 5000)]);
    const list = await alerts('?rule.id=ssh-brute-force');
    expect(list.find((a) => (a.group as Record<string, string>)['source.ip'] === '198.51.100.4')).toMatchObject({ count: 5, status: 'open' });
  });
});
