// Two collectors in one process, on two data dirs, stay apart: an agent's events and the
// alert they raise on one appear on that one only, and stopping one leaves the other's
// modules (alerts, rules, feed) running. Real collectors on 127.0.0.1:0, real agent
// WebSockets and SSE clients.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../src/server.js';
import { AgentClient, tempDir, testCollector } from './core-helpers.js';
import { openSse } from './feed-client.js';

const started: Array<{ c: RunningCollector; cleanup(): void; stopped: boolean }> = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    if (!s.stopped) await s.c.stop();
    s.cleanup();
  }
});

async function collector(): Promise<{ c: RunningCollector; stop(): Promise<void> }> {
  const t = tempDir('vigil-two-');
  const c = await testCollector(t.dir);
  const entry = { c, cleanup: t.cleanup, stopped: false };
  started.push(entry);
  return { c, stop: async () => { entry.stopped = true; await c.stop(); } };
}

/** Five sshd failures from `ip` (ssh-brute-force's threshold) sent by a real agent session. */
async function bruteForce(c: RunningCollector, ip: string): Promise<void> {
  const token = await c.core.tokens.create('agent', 'web1');
  const a = await AgentClient.connect(c.url, { authorization: `Bearer ${token}`, 'x-vigil-agent': 'web1' });
  try {
    a.send({ hello: { agentName: 'web1', instanceId: 'inst-a', version: '0.1.0', clockMs: Date.now(), host: { hostname: 'web1.example' } } });
    expect((await a.next()).welcome).toBeDefined();
    const t0 = Date.now() - 10_000;
    const events = Array.from({ length: 5 }, (_, i) => {
      const stamp = new Date(t0 + i * 1000).toISOString();
      return { timeMs: t0 + i * 1000, line: { type: 'auth', path: '/var/log/auth.log', offset: i * 100, text: `${stamp} web1 sshd[4${i}]: Failed password for root from ${ip} port 4022${i} ssh2` } };
    });
    a.send({ batch: { firstSeq: 1, sentMs: Date.now(), events } });
    expect((await a.next()).ack).toEqual({ seq: 5 });
  } finally {
    await a.close();
  }
}

async function api(c: RunningCollector, token: string, path: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${c.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(200);
  return await r.json() as Record<string, unknown>;
}

const bruteAlerts = async (c: RunningCollector, token: string) =>
  (await api(c, token, '/api/alerts?rule.id=ssh-brute-force')).alerts as Array<{ group: Record<string, string> }>;

const until = async (cond: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('two collectors in one process', () => {
  it("keep their events and alerts apart, and stopping one leaves the other's modules running", async () => {
    const a = await collector();
    const b = await collector();
    const tokA = await a.c.core.tokens.create('api', 'alice', 'admin');
    const tokB = await b.c.core.tokens.create('api', 'bob', 'admin');
    expect(a.c.modules.order).toEqual(b.c.modules.order);

    await bruteForce(a.c, '203.0.113.7');
    await until(async () => (await bruteAlerts(a.c, tokA)).length === 1);
    expect((await bruteAlerts(a.c, tokA))[0].group).toEqual({ 'source.ip': '203.0.113.7' });
    expect(a.c.core.events.count({ kind: 'log' })).toBe(5);
    // nothing of it reached b: no events, no alert, no feed entry
    expect(b.c.core.events.count({ kind: 'log' })).toBe(0);
    expect(await bruteAlerts(b.c, tokB)).toEqual([]);
    const port = (c: RunningCollector) => `127.0.0.1:${c.port}`;
    const feedA = openSse(port(a.c), '/api/feed?rule.id=ssh-brute-force&last_event_id=0', { authorization: `Bearer ${tokA}` });
    const feedB = openSse(port(b.c), '/api/feed?rule.id=ssh-brute-force&last_event_id=0', { authorization: `Bearer ${tokB}` });
    try {
      expect(JSON.parse((await feedA.waitFor(1))[0].data).alert.group).toEqual({ 'source.ip': '203.0.113.7' });

      // a stops; b's rules, alerts and feed go on
      feedA.close();
      await a.stop();
      await bruteForce(b.c, '198.51.100.4');
      await until(async () => (await bruteAlerts(b.c, tokB)).length === 1);
      expect((await bruteAlerts(b.c, tokB))[0].group).toEqual({ 'source.ip': '198.51.100.4' });
      const entries = await feedB.waitFor(1);
      expect(entries.map((e) => JSON.parse(e.data).alert.group['source.ip'])).toEqual(['198.51.100.4']);
      expect(b.c.core.events.count({ kind: 'log' })).toBe(5);
    } finally {
      feedA.close();
      feedB.close();
    }
  });
});
