import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bruteForce, startHarness, type Harness } from './alerts-harness.js';
import { openSse } from './feed-client.js';

let h: Harness | undefined;
afterEach(async () => { await h?.stop(); h = undefined; });

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const parse = (d: string) => JSON.parse(d) as { change: string; alert: Record<string, unknown> };

describe('live feed over SSE', () => {
  it('streams changes, and a resume with Last-Event-ID loses and duplicates nothing', async () => {
    h = await startHarness({ listen: true });
    const a = openSse(h.base, '/api/feed', bearer(h.viewer));
    const res = await a.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    for (let i = 1; i <= 3; i++) await h.svc.apply(bruteForce(`192.0.2.${i}`));
    await a.waitFor(3);
    a.close();
    const lastId = a.events[2].id!;
    // while disconnected: new alerts and changes
    for (let i = 4; i <= 6; i++) await h.svc.apply(bruteForce(`192.0.2.${i}`));
    await h.app.inject({ method: 'POST', url: '/api/alerts/1/ack', headers: bearer(h.admin) });

    const b = openSse(h.base, '/api/feed', { ...bearer(h.viewer), 'last-event-id': lastId });
    await b.waitFor(4);
    await h.svc.apply(bruteForce('192.0.2.2', { change: 'updated', count: 40 }));
    await b.waitFor(5);
    b.close();
    const all = [...a.events, ...b.events];
    const ids = all.map((e) => Number(e.id));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(all.map((e) => `${parse(e.data).alert.id}:${parse(e.data).change}`)).toEqual(
      ['1:opened', '2:opened', '3:opened', '4:opened', '5:opened', '6:opened', '1:acknowledged', '2:updated']);
    expect(parse(b.events[4].data).alert.count).toBe(40);
  });

  it('filters by severity, rule and agent; refuses bad tokens and values', async () => {
    h = await startHarness({ listen: true });
    const s = openSse(h.base, '/api/feed?severity=P2,P3&agent=db1', bearer(h.viewer));
    await s.response;
    await h.svc.apply(bruteForce('192.0.2.1', { rule: { id: 'r', name: 'r', severity: 'P2' }, agent: 'web1' }));
    await h.svc.apply(bruteForce('192.0.2.2', { rule: { id: 'r', name: 'r', severity: 'P1' }, agent: 'db1' }));
    await h.svc.apply(bruteForce('192.0.2.3', { rule: { id: 'r', name: 'r', severity: 'P3' }, agent: 'db1' }));
    await s.waitFor(1);
    await new Promise((r) => setTimeout(r, 100));
    s.close();
    expect(s.events.map((e) => parse(e.data).alert.id)).toEqual(['3']);

    const noTok = await openSse(h.base, '/api/feed', {}).response;
    expect(noTok.statusCode).toBe(401);
    const bad = openSse(h.base, '/api/feed?severity=urgent', bearer(h.viewer));
    expect((await bad.response).statusCode).toBe(400);
    expect(JSON.parse(await bad.body()).parameter).toBe('severity');
    const badId = openSse(h.base, '/api/feed', { ...bearer(h.viewer), 'last-event-id': 'x' });
    expect(JSON.parse(await badId.body()).parameter).toBe('Last-Event-ID');
  });

  it('keeps attacker text as JSON data, one line, never markup', async () => {
    h = await startHarness({ listen: true });
    const s = openSse(h.base, '/api/feed', bearer(h.viewer));
    await s.response;
    const evil = 'root\n\nevent: alert\ndata: {"forged":true}\n\n<script>alert(1)</script>';
    await h.svc.apply(bruteForce('192.0.2.1', { group: { 'source.ip': '192.0.2.1', 'user.name': evil } }));
    await h.svc.apply(bruteForce('192.0.2.2'));
    await s.waitFor(2);
    s.close();
    expect(s.events).toHaveLength(2);
    expect((parse(s.events[0].data).alert.group as Record<string, string>)['user.name']).toBe(evil);
  });

  it('tells a client whose resume point was trimmed about the gap', async () => {
    h = await startHarness({ listen: true, config: { feed: { keep: 100 } } });
    for (let i = 0; i < 300; i++) await h.svc.apply(bruteForce(`10.0.${i >> 8}.${i & 255}`));
    const s = openSse(h.base, '/api/feed', { ...bearer(h.viewer), 'last-event-id': '5' });
    const evs = await s.waitFor(1 + (300 - 156));
    s.close();
    expect(evs[0].event).toBe('gap');
    expect(JSON.parse(evs[0].data)).toEqual({ missed_from: 6, missed_to: 156 });
    expect(evs.slice(1).map((e) => Number(e.id))).toEqual(Array.from({ length: 144 }, (_, i) => 157 + i));
  });

  it('drops a consumer that stops reading instead of buffering for it; it resumes later', async () => {
    h = await startHarness({ listen: true, config: { feed: { stall: '300ms' } } });
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(h!.core.metrics.render())?.[1]);
    const s = openSse(h.base, '/api/feed', bearer(h.viewer));
    const res = await s.response;
    res.pause(); // stop reading: the kernel buffers, then the server's, fill up
    expect(gauge('vigil_feed_clients')).toBe(1);
    const big = 'x'.repeat(8000); // 6000 x 8 KB: more than localhost TCP buffers absorb
    for (let i = 0; i < 6000; i++) await h.svc.apply(bruteForce(`10.1.${i >> 8}.${i & 255}`, { group: { 'source.ip': `10.1.${i >> 8}.${i & 255}`, 'user.name': big } }));
    // ingest was never blocked: every change is logged
    expect(h.ctx.db.prepare('SELECT COUNT(*) AS n FROM feed_log').get()).toEqual({ n: 6000 });
    const end = Date.now() + 10_000;
    while (gauge('vigil_feed_clients') > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(gauge('vigil_feed_clients')).toBe(0);
    expect(gauge('vigil_feed_dropped_clients')).toBe(1);
    s.close();
    // the dropped client resumes where it chooses and gets the rest, then live
    const r = openSse(h.base, '/api/feed', { ...bearer(h.viewer), 'last-event-id': '5990' });
    await r.waitFor(10);
    await h.svc.apply(bruteForce('10.9.9.9'));
    await r.waitFor(11);
    r.close();
    expect(r.events.map((e) => Number(e.id))).toEqual(Array.from({ length: 11 }, (_, i) => 5991 + i));
  });
});

describe('live feed over WebSocket', () => {
  it('replays from ?last_event_id= then goes live, as JSON messages', async () => {
    h = await startHarness({ listen: true });
    await h.svc.apply(bruteForce('192.0.2.1'));
    await h.svc.apply(bruteForce('192.0.2.2'));
    const ws = new WebSocket(`ws://${h.base}/api/feed?last_event_id=1&rule.id=ssh-brute-force`, { headers: bearer(h.viewer) });
    const msgs: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => msgs.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    await h.svc.apply(bruteForce('192.0.2.3'));
    await h.svc.apply(bruteForce('192.0.2.4', { rule: { id: 'other', name: 'o', severity: 'P4' } }));
    await h.svc.apply(bruteForce('192.0.2.5'));
    const end = Date.now() + 5000;
    while (msgs.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    expect(msgs.map((m) => [m.type, m.id, m.change, (m.alert as { id: string }).id])).toEqual([
      ['alert', 2, 'opened', '2'], ['alert', 3, 'opened', '3'], ['alert', 5, 'opened', '5']]);
  });

  it('refuses a bad token with HTTP 401 before upgrading, and closes on revocation', async () => {
    h = await startHarness({ listen: true });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://${h!.base}/api/feed`, { headers: bearer('wrong') });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
    const ws = new WebSocket(`ws://${h.base}/api/feed`, { headers: bearer(h.viewer) });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await h.core.tokens.revoke('victor', Date.now());
    expect(await closed).toBe(1008);
  });
});
