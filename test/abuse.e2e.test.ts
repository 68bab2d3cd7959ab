// Bad input against a real collector process: missing and wrong tokens, bad query values,
// refused agent tokens on /ingest, and thousands of random frames. The collector answers
// each with a clear error, stays healthy, and stores nothing from any of it.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, cleanup, tempDir } from './helpers/procs.js';

let dir: string;
let collector: Collector;
let agentToken: string;

beforeAll(async () => {
  dir = tempDir();
  collector = await Collector.create(join(dir, 'data'));
  agentToken = collector.agentToken('edge-1');
  await collector.start();
});
afterAll(async () => { await collector?.proc?.stop(); cleanup(dir); });

function upgrade(headers: Record<string, string>): Promise<{ status?: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${collector.port}/ingest`, { headers });
    ws.once('unexpected-response', (_req, res) => { resolve({ status: res.statusCode }); res.resume(); });
    ws.once('open', () => resolve({ ws }));
    ws.once('error', () => resolve({}));
  });
}

describe('abuse', () => {
  it('answers a missing or wrong API token with 401 and a JSON error', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer ${agentToken}` }] as Record<string, string>[]) {
      const r = await fetch(`${collector.url}/api/events`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/json/);
      const body = await r.json();
      expect(body.error).toBeTruthy();
      expect(body.events).toBeUndefined();
    }
    expect((await fetch(`${collector.url}/api/health`)).status).toBe(200);
  });

  it('answers bad query values with 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['limit=abc', 'limit'], ['limit=0', 'limit'], ['limit=10001', 'limit'], ['since=yesterday', 'since'],
      ['until=2026-13-45', 'until'], ['cursor=%00%01', 'cursor'], ['kind=bogus', 'kind'], ['event.outcome=maybe', 'event.outcome'],
    ];
    for (const [q, param] of cases) {
      const r = await fetch(`${collector.url}/api/events?${q}`, { headers: { authorization: `Bearer ${collector.apiToken}` } });
      expect(r.status, q).toBe(400);
      expect(JSON.stringify(await r.json()), q).toContain(param);
    }
  });

  it('refuses a wrong agent token, and a token used under another name, before the upgrade', async () => {
    expect((await upgrade({ authorization: 'Bearer wrong', 'x-vigil-agent': 'edge-1' })).status).toBe(401);
    expect((await upgrade({ authorization: `Bearer ${agentToken}`, 'x-vigil-agent': 'other-host' })).status).toBe(401);
    expect((await upgrade({ 'x-vigil-agent': 'edge-1' })).status).toBe(401);
    expect((await upgrade({ authorization: `Bearer ${collector.apiToken}`, 'x-vigil-agent': 'edge-1' })).status).toBe(401);
    const ok = await upgrade({ authorization: `Bearer ${agentToken}`, 'x-vigil-agent': 'edge-1' });
    expect(ok.ws).toBeDefined();
    ok.ws!.close();
  });

  it('stays healthy and stores nothing after thousands of random frames', async () => {
    let closedWithReason = 0;
    for (let i = 0; i < 2000; i++) {
      const { ws } = await upgrade({ authorization: `Bearer ${agentToken}`, 'x-vigil-agent': 'edge-1' });
      if (!ws) continue;
      const closed = new Promise<void>((r) => ws.once('close', (_code, reason) => { if (reason.length) closedWithReason++; r(); }));
      ws.send(randomBytes(1 + (i % 300)));
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
      ws.terminate();
    }
    expect(closedWithReason).toBeGreaterThan(1900);
    expect((await fetch(`${collector.url}/api/health`)).status).toBe(200);
    for (const kind of ['log', 'metric', 'container', 'probe', 'loss']) {
      expect(await collector.count(`?kind=${kind}`), kind).toBe(0);
    }
  }, 120_000);
});
