import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateOutputs } from '../src/outputs/config.js';
import { slackText } from '../src/outputs/sanitize.js';
import { bruteForce, startHarness, type Harness } from './alerts-harness.js';

/** A real webhook receiver: records every POST body per path; `fail[path]` answers 503 that many times. */
function receiver() {
  const got: Record<string, unknown[]> = {};
  const fail: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const path = req.url ?? '/';
      if ((fail[path] ?? 0) > 0) { fail[path]--; res.writeHead(503).end('busy'); return; }
      (got[path] ??= []).push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  return {
    got, fail, server,
    async listen() { await new Promise<void>((r) => server.listen(0, '127.0.0.1', r)); return `http://127.0.0.1:${(server.address() as AddressInfo).port}`; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

type JsonMsg = { count: number; notifications: Array<{ change: string; alert: { id: string; severity: string } }>; omitted: number; by_rule: Record<string, number> };

let rx: ReturnType<typeof receiver>;
let h: Harness | undefined;
let url: string;
beforeEach(async () => { rx = receiver(); url = await rx.listen(); });
afterEach(async () => { await h?.stop(); h = undefined; await rx.close(); });

const retry = { attempts: 5, initial: '50ms', max: '1s' };

describe('webhook outputs', () => {
  it('route by severity and rule, and skip silenced alerts', async () => {
    h = await startHarness({ config: { outputs: { group_window: '50ms', retry, webhooks: [
      { name: 'p1', url: `${url}/p1`, severities: ['P1'] },
      { name: 'enum', url: `${url}/enum`, rules: ['ssh-user-enumeration'], changes: ['opened', 'resolved'] },
    ] } } });
    await h.app.inject({ method: 'POST', url: '/api/silences', headers: { authorization: `Bearer ${h.admin}` },
      payload: { matchers: { 'source.ip': '203.0.113.0/24' }, duration: '1h', reason: 'scanner we own' } });
    await h.svc.apply(bruteForce('198.51.100.1'));
    await h.svc.apply(bruteForce('203.0.113.9')); // silenced
    await h.svc.apply(bruteForce('198.51.100.2', { rule: { id: 'ssh-user-enumeration', name: 'enum', severity: 'P2' } }));
    await h.svc.apply(bruteForce('198.51.100.2', { rule: { id: 'ssh-user-enumeration', name: 'enum', severity: 'P2' }, status: 'resolved', change: 'resolved' }));
    await until(() => (rx.got['/p1']?.length ?? 0) >= 1 && (rx.got['/enum'] ?? []).reduce((n, m) => n + (m as JsonMsg).count, 0) >= 2);
    await new Promise((r) => setTimeout(r, 200));
    const p1 = rx.got['/p1'] as JsonMsg[];
    expect(p1.flatMap((m) => m.notifications.map((n) => n.alert.id))).toEqual(['1']);
    const en = (rx.got['/enum'] as JsonMsg[]).flatMap((m) => m.notifications.map((n) => `${n.alert.id}:${n.change}`));
    expect(en).toEqual(['3:opened', '3:resolved']);
  });

  it('retry a failing endpoint with backoff until it recovers', async () => {
    h = await startHarness({ config: { outputs: { group_window: '10ms', retry, webhooks: [{ name: 'flaky', url: `${url}/flaky` }] } } });
    rx.fail['/flaky'] = 3;
    const t0 = Date.now();
    await h.svc.apply(bruteForce('198.51.100.1'));
    await until(() => (rx.got['/flaky']?.length ?? 0) === 1);
    // three failures: waits of 50, 100 and 200 ms before the 4th attempt succeeds
    expect(Date.now() - t0).toBeGreaterThanOrEqual(340);
    expect((rx.got['/flaky'][0] as JsonMsg).notifications[0].alert.id).toBe('1');
    expect(rx.fail['/flaky']).toBe(0);
    // The receiver has the body before the channel has read the 204: wait for the count.
    const scrape = async () => (await h!.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h!.viewer}` } })).body;
    let metrics = await scrape();
    for (let i = 0; i < 100 && !metrics.includes('vigil_webhook_messages_sent_total{webhook="flaky"} 1'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      metrics = await scrape();
    }
    expect(metrics).toContain('# TYPE vigil_webhook_messages_sent_total counter');
    expect(metrics).toContain('vigil_webhook_messages_sent_total{webhook="flaky"} 1\n');
    expect(metrics).toContain('vigil_webhook_notices_sent_total{webhook="flaky"} 1\n');
    expect(metrics).toContain('vigil_webhook_retries_total{webhook="flaky"} 3\n');
    expect(metrics).toContain('vigil_webhook_messages_failed_total{webhook="flaky"} 0\n');
  });

  it('turn a flood into a few grouped messages that account for every alert', async () => {
    h = await startHarness({ config: { outputs: { group_window: '400ms', max_alerts_per_message: 20, retry, webhooks: [
      { name: 'json', url: `${url}/json` }, { name: 'slack', url: `${url}/slack`, format: 'slack' },
    ] } } });
    for (let i = 0; i < 300; i++) await h.svc.apply(bruteForce(`10.0.${i >> 8}.${i & 255}`, { rule: { id: i % 3 ? 'ssh-brute-force' : 'ssh-brute-force-slow', name: 'bf', severity: 'P1' } }));
    await until(() => (rx.got['/json'] ?? []).reduce((n, m) => n + (m as JsonMsg).count, 0) === 300);
    const msgs = rx.got['/json'] as JsonMsg[];
    expect(msgs.length).toBeLessThanOrEqual(2);
    const last = msgs[msgs.length - 1];
    expect(last.notifications).toHaveLength(20);
    expect(last.omitted).toBe(last.count - 20);
    await until(() => (rx.got['/slack']?.length ?? 0) === msgs.length);
    const text = (rx.got['/slack'] as Array<{ text: string }>).map((m) => m.text).join('\n');
    expect(text).toMatch(/and \d+ more \(ssh-brute-force-slow: \d+, ssh-brute-force: \d+\)|and \d+ more \(ssh-brute-force: \d+, ssh-brute-force-slow: \d+\)/);
  });

  it('escape Slack control characters in attacker text', async () => {
    h = await startHarness({ config: { outputs: { group_window: '10ms', retry, webhooks: [{ name: 's', url: `${url}/s`, format: 'slack' }] } } });
    await h.svc.apply(bruteForce('198.51.100.1', { group: { 'source.ip': '198.51.100.1', 'user.name': '<!channel> <http://evil|click> & co' } }));
    await until(() => (rx.got['/s']?.length ?? 0) === 1);
    const text = (rx.got['/s'][0] as { text: string }).text;
    expect(text).toContain('user.name=&lt;!channel&gt; &lt;http://evil|click&gt; &amp; co');
    expect(text).not.toMatch(/[<>]/);
    expect(slackText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });

  it('show bidi controls and zero-width characters in Slack text instead of rendering them', async () => {
    h = await startHarness({ config: { outputs: { group_window: '10ms', retry, webhooks: [{ name: 's', url: `${url}/s`, format: 'slack' }] } } });
    const sneaky = 'admin\u202egnp.exe\u200b\u2066x\u2069\ufeff\u2060\u061c\u200e\u200f\u200c\u200d\u202a\u2028y';
    await h.svc.apply(bruteForce('198.51.100.1', { group: { 'source.ip': '198.51.100.1', 'user.name': sneaky } }));
    await until(() => (rx.got['/s']?.length ?? 0) === 1);
    const text = (rx.got['/s'][0] as { text: string }).text;
    expect(text).toContain('user.name=admin[U+202E]gnp.exe[U+200B][U+2066]x[U+2069][U+FEFF][U+2060][U+061C][U+200E][U+200F][U+200C][U+200D][U+202A] y');
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff\u2060\u2028]/);
  });

  it('escalate a P1 left unacknowledged past its response time, once', async () => {
    let now = Date.now();
    h = await startHarness({ now: () => now, config: { outputs: { group_window: '10ms', retry,
      webhooks: [{ name: 'team', url: `${url}/team` }, { name: 'oncall', url: `${url}/oncall`, changes: [] }],
      escalation: { after: '15m', interval: '50ms', webhooks: ['oncall'] } } } });
    await h.svc.apply(bruteForce('198.51.100.1'));
    await h.svc.apply(bruteForce('198.51.100.2'));
    await h.svc.apply(bruteForce('198.51.100.3', { rule: { id: 'x', name: 'x', severity: 'P2' } }));
    await h.app.inject({ method: 'POST', url: '/api/alerts/2/ack', headers: { authorization: `Bearer ${h.admin}` } });
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.got['/oncall']).toBeUndefined(); // not yet due
    now += 16 * 60_000;
    await until(() => (rx.got['/oncall']?.length ?? 0) >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const esc = (rx.got['/oncall'] as JsonMsg[]).flatMap((m) => m.notifications.map((n) => `${n.alert.id}:${n.change}`));
    expect(esc).toEqual(['1:escalated']);
    expect(h.svc.store.history(1).map((e) => e.action)).toEqual(['opened', 'escalated']);
  });
});

describe('outputs config', () => {
  it('names the bad key', () => {
    const bad: Array<[unknown, string]> = [
      [{ webhooks: [{ name: 'a', url: 'ftp://x' }] }, 'outputs.webhooks[0].url'],
      [{ webhooks: [{ name: 'a', url: 'http://x', severities: ['P7'] }] }, 'outputs.webhooks[0].severities[0]'],
      [{ webhooks: [{ name: 'a', url: 'http://x', colour: 'red' }] }, 'outputs.webhooks[0].colour'],
      [{ webhooks: [{ name: 'a', url: 'http://x' }, { name: 'a', url: 'http://y' }] }, 'outputs.webhooks[1].name'],
      [{ escalation: { webhooks: ['nobody'] } }, 'outputs.escalation.webhooks[0]'],
      [{ group_window: 'soon' }, 'outputs.group_window'],
    ];
    for (const [v, path] of bad) expect(() => validateOutputs(v), path).toThrow(new RegExp(`^${path.replace(/[[\].]/g, '\\$&')}:`));
    const ok = validateOutputs({ webhooks: [{ name: 'a', url: 'https://hooks.example/x' }] });
    expect(ok).toMatchObject({ group_window: 30_000, escalation: { after: 900_000, severities: ['P1'] } });
    expect(validateOutputs(ok)).toBe(ok);
  });
});
