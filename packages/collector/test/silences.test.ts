import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bruteForce, startHarness, type Harness } from './alerts-harness.js';

let h: Harness;
beforeEach(async () => { h = await startHarness(); });
afterEach(async () => { await h.stop(); });

const send = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as object });

describe('silences', () => {
  it('are created by admins, listed with their author, and mark matching alerts silenced', async () => {
    const res = await send('POST', '/api/silences', h.admin, { matchers: { 'source.ip': '203.0.113.0/24', 'rule.id': 'ssh-brute-force' }, duration: '2h', reason: 'pentest' });
    expect(res.statusCode).toBe(201);
    const s = res.json();
    expect(s).toMatchObject({ id: '1', created_by: 'alice', reason: 'pentest', status: 'active' });
    expect(Date.parse(s.expires_at) - Date.parse(s.created_at)).toBe(2 * 3600e3);
    const list = (await send('GET', '/api/silences', h.viewer)).json();
    expect(list.silences).toHaveLength(1);

    await h.svc.apply(bruteForce('203.0.113.7'));
    await h.svc.apply(bruteForce('198.51.100.9'));
    await h.svc.apply(bruteForce('2001:db8::1'));
    expect(h.svc.store.get(1)).toMatchObject({ silenced: true, silence_id: '1' });
    expect(h.svc.store.get(2)!.silenced).toBe(false);
    expect(h.svc.store.get(3)!.silenced).toBe(false);
  });

  it('match IPv6 CIDRs, users, hosts and agents as plain strings', async () => {
    await send('POST', '/api/silences', h.admin, { matchers: { 'source.ip': '2001:db8::/32' }, duration: 600, reason: 'lab' });
    await send('POST', '/api/silences', h.admin, { matchers: { 'user.name': '<script>*' , agent: 'web1' }, duration: '10m', reason: 'x' });
    await h.svc.apply(bruteForce('2001:db8::1'));
    await h.svc.apply(bruteForce('192.0.2.1', { key: 'k2', group: { 'source.ip': '192.0.2.1', 'user.name': '<script>evil' } }));
    await h.svc.apply(bruteForce('192.0.2.1', { key: 'k3', group: { 'source.ip': '192.0.2.1', 'user.name': '<script>*' } }));
    expect([1, 2, 3].map((id) => h.svc.store.get(id)!.silenced)).toEqual([true, false, true]);
  });

  it('expire through DELETE or POST /expire, idempotently, and stop silencing', async () => {
    await send('POST', '/api/silences', h.admin, { matchers: { agent: 'web1' }, expires_at: new Date(Date.now() + 3600e3).toISOString(), reason: 'maintenance' });
    const del = await send('DELETE', '/api/silences/1', h.admin);
    expect(del.json()).toMatchObject({ status: 'expired', expired_by: 'alice' });
    expect((await send('POST', '/api/silences/1/expire', h.admin)).json().status).toBe('expired');
    expect((await send('POST', '/api/silences/9/expire', h.admin)).statusCode).toBe(404);
    expect((await send('DELETE', '/api/silences/1', h.viewer)).statusCode).toBe(403);
    await h.svc.apply(bruteForce('203.0.113.7'));
    expect(h.svc.store.get(1)!.silenced).toBe(false);
  });

  it('reject bad requests naming the field, and viewers', async () => {
    const cases: Array<[unknown, string]> = [
      [{ matchers: { 'source.ip': '10.0.0.0/33' }, duration: '1h', reason: 'r' }, 'matchers.source.ip'],
      [{ matchers: { 'process.name': 'sshd' }, duration: '1h', reason: 'r' }, 'matchers.process.name'],
      [{ matchers: {}, duration: '1h', reason: 'r' }, 'matchers'],
      [{ matchers: { agent: 'a' }, duration: 'soon', reason: 'r' }, 'duration'],
      [{ matchers: { agent: 'a' }, expires_at: '2001-01-01T00:00:00Z', reason: 'r' }, 'expires_at'],
      [{ matchers: { agent: 'a' }, reason: 'r' }, 'expires_at'],
      [{ matchers: { agent: 'a' }, duration: '1h' }, 'reason'],
      [{ matchers: { agent: 'a' }, duration: '1h', reason: 'r', extra: 1 }, 'extra'],
    ];
    for (const [body, param] of cases) {
      const res = await send('POST', '/api/silences', h.admin, body);
      expect(res.statusCode, param).toBe(400);
      expect(res.json().parameter, JSON.stringify(body)).toBe(param);
    }
    expect((await send('POST', '/api/silences', h.viewer, { matchers: { agent: 'a' }, duration: '1h', reason: 'r' })).statusCode).toBe(403);
    expect((await send('GET', '/api/silences', h.viewer)).json().silences).toEqual([]);
  });
});
