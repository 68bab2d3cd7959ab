import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../src/model.js';
import { MAX_EVIDENCE } from '../src/alerts/store.js';
import { bruteForce, startHarness, type Harness } from './alerts-harness.js';

let h: Harness;
let changes: Array<[string, string, string]>;
beforeEach(async () => {
  h = await startHarness();
  changes = [];
  h.ctx.bus.on('alert', (a, c) => changes.push([a.id, c, a.status]));
});
afterEach(async () => { await h.stop(); });

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const get = (url: string, token = h.viewer) => h.app.inject({ method: 'GET', url, headers: auth(token) });
const post = (url: string, token = h.admin) => h.app.inject({ method: 'POST', url, headers: auth(token) });

describe('alerts store', () => {
  it('keeps one open alert per (rule, group) and bumps it', async () => {
    await h.svc.apply(bruteForce('203.0.113.7'));
    await h.svc.apply(bruteForce('203.0.113.7', { change: 'updated', count: 9, last_seen: '2026-11-27T10:01:00.000Z', evidence: [5, 6, 7, 8, 9] }));
    await h.svc.apply(bruteForce('198.51.100.2'));
    const rows = h.ctx.db.prepare('SELECT id, count, last_seen, evidence, status FROM alerts ORDER BY id').all() as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ count: 9, last_seen: '2026-11-27T10:01:00.000Z', status: 'open' });
    expect(JSON.parse(rows[0].evidence as string)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(changes).toEqual([['1', 'opened', 'open'], ['1', 'updated', 'open'], ['2', 'opened', 'open']]);
    const a = h.svc.store.get(1)!;
    expect(a).toMatchObject({ 'rule.id': 'ssh-brute-force', severity: 'P1', group: { 'source.ip': '203.0.113.7' }, 'agent.name': 'web1', 'threat.technique.id': 'T1110.001' });
  });

  it('auto-resolves from the engine as system, and a later attack opens a new alert', async () => {
    await h.svc.apply(bruteForce('203.0.113.7'));
    await h.svc.apply(bruteForce('203.0.113.7', { status: 'resolved', change: 'resolved' }));
    await h.svc.apply(bruteForce('203.0.113.7', { status: 'resolved', change: 'resolved' })); // nothing open: no change
    await h.svc.apply(bruteForce('203.0.113.7', { first_seen: '2026-11-27T12:00:00.000Z', last_seen: '2026-11-27T12:00:10.000Z' }));
    expect(changes).toEqual([['1', 'opened', 'open'], ['1', 'resolved', 'resolved'], ['2', 'opened', 'open']]);
    expect(h.svc.store.history(1).map((e) => [e.action, e.who])).toEqual([['opened', 'system'], ['resolved', 'system']]);
    expect(h.svc.store.get(1)!.resolved_by).toBe('system');
  });

  it('bounds evidence to the first and last references', async () => {
    await h.svc.apply(bruteForce('203.0.113.7', { evidence: [] }));
    for (let i = 0; i < 10; i++) {
      await h.svc.apply(bruteForce('203.0.113.7', { change: 'updated', evidence: Array.from({ length: 20 }, (_, j) => i * 20 + j) }));
    }
    const ev = h.svc.store.get(1)!.evidence;
    expect(ev).toHaveLength(MAX_EVIDENCE);
    expect(ev[0]).toBe(0);
    expect(ev[ev.length - 1]).toBe(199);
  });

  it('drops a malformed engine update without throwing or storing it', async () => {
    await expect(h.svc.apply(bruteForce('203.0.113.7', { last_seen: 'yesterday' }))).resolves.toBeUndefined();
    expect(h.ctx.db.prepare('SELECT COUNT(*) AS n FROM alerts').get()).toEqual({ n: 0 });
  });
});

describe('alerts API', () => {
  it('lists newest first with filters and a keyset cursor that loses nothing', async () => {
    for (let i = 0; i < 25; i++) {
      await h.svc.apply(bruteForce(`192.0.2.${i}`, {
        rule: { id: i % 2 ? 'ssh-user-enumeration' : 'ssh-brute-force', name: 'x', severity: i % 5 === 0 ? 'P2' : 'P1' },
        agent: i < 20 ? 'web1' : 'db1', last_seen: `2026-11-27T10:${String(i).padStart(2, '0')}:00.000Z`,
      }));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/api/alerts?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { alerts: Alert[]; next_cursor: string | null };
      seen.push(...body.alerts.map((a) => a.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => String(25 - i)));

    const f = async (q: string) => ((await get(`/api/alerts?${q}`)).json() as { alerts: Alert[] }).alerts.map((a) => Number(a.id));
    expect(await f('severity=P2')).toEqual([21, 16, 11, 6, 1]);
    expect(await f('rule.id=ssh-user-enumeration&agent=db1')).toEqual([24, 22]);
    expect(await f('since=2026-11-27T10:22:00Z')).toEqual([25, 24, 23]);
    await post('/api/alerts/3/ack');
    expect(await f('status=acknowledged')).toEqual([3]);
    expect((await f('status=open,acknowledged')).length).toBe(25);
  });

  it('answers 400 naming the bad parameter', async () => {
    for (const [q, param] of [['severity=P9', 'severity'], ['limit=0', 'limit'], ['limit=abc', 'limit'], ['since=yesterday', 'since'],
      ['status=closed', 'status'], ['cursor=bm90LWEtY3Vyc29y', 'cursor']]) {
      const res = await get(`/api/alerts?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().parameter, q).toBe(param);
    }
    expect((await get('/api/alerts/abc')).json().parameter).toBe('id');
  });

  it('needs a token; viewers may only read', async () => {
    await h.svc.apply(bruteForce('203.0.113.7'));
    expect((await h.app.inject({ method: 'GET', url: '/api/alerts' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/api/alerts', headers: auth('nope') })).statusCode).toBe(401);
    expect((await post('/api/alerts/1/ack', h.viewer)).statusCode).toBe(403);
    expect(h.svc.store.get(1)!.status).toBe('open');
  });

  it('acknowledges and resolves idempotently, recording who and when', async () => {
    await h.svc.apply(bruteForce('203.0.113.7'));
    const ack = await post('/api/alerts/1/ack');
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ id: '1', status: 'acknowledged', acknowledged_by: 'alice' });
    expect((await post('/api/alerts/1/ack')).json().status).toBe('acknowledged');
    // an acknowledged alert keeps collecting the attack
    await h.svc.apply(bruteForce('203.0.113.7', { change: 'updated', count: 12 }));
    expect(h.svc.store.get(1)).toMatchObject({ status: 'acknowledged', count: 12 });
    expect((await post('/api/alerts/1/resolve')).json()).toMatchObject({ status: 'resolved', resolved_by: 'alice' });
    expect((await post('/api/alerts/1/resolve')).statusCode).toBe(200);
    expect((await post('/api/alerts/1/ack')).json().status).toBe('resolved');
    expect((await post('/api/alerts/99/ack')).statusCode).toBe(404);
    const one = (await get('/api/alerts/1')).json();
    expect(one.history.map((e: { action: string; who: string }) => `${e.action}:${e.who}`)).toEqual(['opened:system', 'acknowledged:alice', 'resolved:alice']);
    expect(changes.map((c) => c[1])).toEqual(['opened', 'acknowledged', 'updated', 'resolved']);
    expect((await get('/api/alerts/99')).statusCode).toBe(404);
  });
});
