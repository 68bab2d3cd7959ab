// The connection guard, the bad-token cap and rate-limited logs against a real collector on
// 127.0.0.1 (all of loopback is one address, limited like any unless `connections.exempt` says so):
// idle, half-sent and keep-alive sockets are closed within seconds, caps refuse at once
// and are counted, a flood from many addresses gives way to new clients, and the
// config's `connections:` section is validated naming the key.
import { connect, type Socket } from 'node:net';
import { get as httpGet } from 'node:http';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { LogLimiter, type Logger } from '@vigil/proto';
import { validateConfig } from '../src/config/load.js';
import { startCollector, type RunningCollector } from '../src/server.js';
import { addressKey } from '../src/connections/guard.js';
import { captureLog, quietLog, tempDir } from './core-helpers.js';

const running: Array<{ stop(): Promise<void> }> = [];
const sockets: Socket[] = [];
const dirs: Array<() => void> = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of running.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) d();
});

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 10_000, why = 'condition') => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${why}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function collector(connections: Record<string, unknown>, opts: { log?: Logger; throttle?: object } = {}): Promise<RunningCollector> {
  const t = tempDir('vigil-conn-');
  dirs.push(t.cleanup);
  const c = await startCollector({
    host: '127.0.0.1', port: 0, dataDir: t.dir, config: validateConfig({ connections }),
    log: opts.log ?? quietLog, throttle: opts.throttle ?? { freeFailures: 1000 },
  });
  running.push(c);
  return c;
}

/** A raw TCP client from `local`; `closedAt` is set when the collector closes it. */
function open(port: number, local = '127.0.0.1', send?: string): Promise<Socket & { closedAt?: number; openedAt: number; got: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: local }) as Socket & { closedAt?: number; openedAt: number; got: string };
    s.got = '';
    sockets.push(s);
    s.on('error', () => {});
    s.on('data', (d) => { s.got += d; });
    s.on('close', () => { s.closedAt = Date.now(); });
    s.on('connect', () => { s.openedAt = Date.now(); if (send) s.write(send); resolve(s); });
  });
}

const refused = (c: RunningCollector, reason: string) => {
  const m = new RegExp(`vigil_connections_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(c.core.metrics.render());
  return m ? Number(m[1]) : 0;
};
const gauge = (c: RunningCollector, state: string) => Number(new RegExp(`vigil_connections_open\\{state="${state}"\\} (\\d+)`).exec(c.core.metrics.render())![1]);

describe('connection limits', () => {
  it('refuses idle sockets from 127.0.0.1 over the per-address cap at once and closes the rest after the header timeout', async () => {
    const log = captureLog();
    // 127.0.0.3 shares loopback's key; exempt, it is served while 127.0.0.1 is at its cap.
    const c = await collector({ max_pending_per_address: 4, header_timeout: '1s', exempt: ['127.0.0.3'] }, { log });
    const socks = await Promise.all(Array.from({ length: 10 }, () => open(c.port)));
    await waitFor(() => refused(c, 'pending_per_address') === 6, 5000, 'six refused');
    await waitFor(() => socks.filter((s) => s.closedAt).length === 6, 5000, 'six closed');
    expect(gauge(c, 'pending')).toBe(4);
    // An address under its cap is served meanwhile.
    const other = await open(c.port, '127.0.0.3', 'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => other.got.startsWith('HTTP/1.1 200'), 3000, 'another address served');
    await waitFor(() => socks.every((s) => s.closedAt), 5000, 'all closed');
    const lives = socks.map((s) => s.closedAt! - s.openedAt).sort((a, b) => a - b);
    expect(lives[5]).toBeLessThan(500);
    expect(lives[6]).toBeGreaterThanOrEqual(900);
    expect(lives[9]).toBeLessThan(3000);
    expect(refused(c, 'header_timeout')).toBe(4);
    // The oldest pending socket of the address gave way each time; one log line for the six.
    expect(log.lines.filter((l) => l.extra?.reason === 'pending_per_address')).toHaveLength(1);
  });

  it('lets exempt addresses past the per-address caps', async () => {
    const c = await collector({ max_pending_per_address: 2, exempt: ['127.0.0.1'] });
    await Promise.all(Array.from({ length: 8 }, () => open(c.port)));
    await waitFor(() => gauge(c, 'pending') === 8, 5000, 'eight pending');
    expect(refused(c, 'pending_per_address')).toBe(0);
  });

  it('closes half-sent headers and idle keep-alive sockets within seconds', async () => {
    const c = await collector({ header_timeout: '1s', idle_timeout: '1s' });
    const half = await open(c.port, '127.0.0.1', 'GET /api/health HTTP/1.1\r\nHost: x\r\n');
    const keep = await open(c.port, '127.0.0.1', 'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => keep.got.includes('200 OK'), 5000, 'health answered');
    await waitFor(() => Boolean(half.closedAt && keep.closedAt), 5000, 'both closed');
    expect(half.closedAt! - half.openedAt).toBeLessThan(3000);
    expect(keep.closedAt! - keep.openedAt).toBeLessThan(3000);
  });

  it('gives the oldest pending socket of a many-address flood away to a new client', async () => {
    // Loopback is one address for the caps: exempt, its addresses stand for a many-address flood.
    const c = await collector({ max_total: 40, max_pending: 6, max_pending_per_address: 3, header_timeout: '30s', exempt: ['127.0.0.0/8'] });
    const flood: Socket[] = [];
    for (let i = 2; i < 8; i++) flood.push(...await Promise.all([open(c.port, `127.0.0.${i}`), open(c.port, `127.0.0.${i}`)]));
    await waitFor(() => gauge(c, 'pending') === 6, 5000, 'pending full');
    const r = await fetch(`${c.url}/api/health`, { signal: AbortSignal.timeout(3000) });
    expect(r.status).toBe(200);
    expect(refused(c, 'pending_total')).toBeGreaterThanOrEqual(7);
  });

  /** Keeps `n` keep-alive sockets from `local` sending GET /api/health every 200 ms, reopening closed ones. */
  function keepAliveFlood(port: number, local: string, n: number): { stop(): void; answered: () => number } {
    let stopped = false;
    let answered = 0;
    const timers: NodeJS.Timeout[] = [];
    const one = async (): Promise<void> => {
      if (stopped) return;
      const s = await open(port, local, 'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
      s.on('data', (d) => { answered += String(d).split('HTTP/1.1 200').length - 1; });
      const t = setInterval(() => { if (!s.destroyed) s.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n'); }, 200);
      timers.push(t);
      s.once('close', () => { clearInterval(t); setTimeout(() => void one(), 20); });
    };
    for (let i = 0; i < n; i++) void one();
    return { stop: () => { stopped = true; for (const t of timers) clearInterval(t); }, answered: () => answered };
  }

  /** GET /api/health on a socket of its own (like curl): a pooled idle socket may be closed under a flood. */
  const healthOnNewSocket = (port: number) => new Promise<number>((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/api/health', agent: false, timeout: 3000 }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });

  async function agentUpgrade(c: RunningCollector, name: string): Promise<number> {
    const token = await c.core.tokens.create('agent', name);
    return new Promise<number>((resolve) => {
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/ingest`, { headers: { authorization: `Bearer ${token}`, 'x-vigil-agent': name }, localAddress: '127.0.0.1' });
      const t = setTimeout(() => { ws.terminate(); resolve(0); }, 5000);
      ws.once('open', () => { clearTimeout(t); ws.close(); resolve(101); });
      ws.once('unexpected-response', (_q, res) => { clearTimeout(t); resolve(res.statusCode!); });
      ws.once('error', () => { clearTimeout(t); resolve(-1); });
    });
  }

  for (const [title, extra] of [
    ['five loopback addresses (one address for the caps)', {}],
    ['five addresses exempt from the per-address caps (the total gives way)', { exempt: ['127.0.0.0/8'] }],
  ] as const) {
    it(`keep-alive sockets from ${title} leave the API and a new agent served`, async () => {
      const c = await collector({ max_total: 40, max_per_address: 10, max_pending_per_address: 10, ...extra });
      const floods = [2, 3, 4, 5, 6].map((i) => keepAliveFlood(c.port, `127.0.0.${i}`, 10));
      try {
        await waitFor(() => floods.every((f) => f.answered() > 0), 10_000, 'flood served');
        await waitFor(() => gauge(c, 'http') >= 10, 10_000, 'flood holds sockets');
        for (let i = 0; i < 5; i++) {
          expect(await healthOnNewSocket(c.port)).toBe(200);
          expect(await agentUpgrade(c, `agent-${i}`)).toBe(101);
        }
      } finally { for (const f of floods) f.stop(); }
    }, 40_000);
  }

  it('keeps room for pending sockets: upgrades beyond max_total - max_pending get 503', async () => {
    const c = await collector({ max_total: 16, max_pending: 8 });
    const token = await c.core.tokens.create('api', 'viewer', 'viewer');
    const feeds: WebSocket[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      statuses.push(await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${c.url.replace('http', 'ws')}/api/feed`, { headers: { authorization: `Bearer ${token}` } });
        feeds.push(ws);
        ws.once('open', () => resolve(101));
        ws.once('unexpected-response', (_q, res) => resolve(res.statusCode!));
        ws.once('error', () => resolve(0));
      }));
    }
    for (const ws of feeds) ws.terminate();
    expect(statuses).toEqual([101, 101, 101, 101, 101, 101, 101, 101, 503]);
    expect(refused(c, 'websockets')).toBe(1);
  });
});

describe('bad-token throttle', () => {
  it('refuses a valid token too while a wave of bad ones waits, and bounds the tokens checked per second', async () => {
    const c = await collector({ max_pending_per_address: 1000 }, { throttle: {} });
    const valid = await c.core.tokens.create('api', 'viewer', 'viewer');
    const bad = 'vgl_000000000000_' + 'x'.repeat(43);
    const ask = (token: string) => fetch(`${c.url}/api/events?limit=1`, { headers: { authorization: `Bearer ${token}` } })
      .then(async (r) => { await r.arrayBuffer(); return { status: r.status, retry: r.headers.get('retry-after') }; });
    for (let i = 0; i < 3; i++) expect((await ask(bad)).status).toBe(401); // the free misses
    // A guesser keeps 50 attempts in flight for 2 s; every 10th carries the valid token.
    const answers: Array<{ status: number; retry: string | null; good: boolean }> = [];
    const t0 = Date.now();
    let n = 0;
    const lane = async () => {
      while (Date.now() - t0 < 2000) {
        const good = ++n % 10 === 0;
        answers.push({ ...await ask(good ? valid : bad), good });
      }
    };
    await Promise.all(Array.from({ length: 50 }, lane));
    const seconds = (Date.now() - t0) / 1000;
    const checked = answers.filter((a) => a.status === 200 || (a.status === 401 && a.retry === null));
    const goods = answers.filter((a) => a.good);
    // No oracle: the valid token is refused like the rest while the wave waits.
    expect(goods.length).toBeGreaterThanOrEqual(5);
    expect(goods.filter((a) => a.status === 401 && Number(a.retry) >= 1).length).toBeGreaterThan(goods.length * 0.8);
    // Bounded guessing: few tokens get a checked answer, though all are answered at once (a
    // ratio, not a rate: a loaded machine answers fewer per second).
    expect(checked.length).toBeLessThan(answers.length * 0.1);
    console.log(`guessing wave: ${(answers.length / seconds).toFixed(0)} answered/s, ${(checked.length / seconds).toFixed(1)} checked/s, ${goods.filter((a) => a.status === 200).length} of ${goods.length} valid ones served`);
    expect(checked.length / seconds).toBeLessThan(10);
    for (const a of answers) expect(a.status).toBe(a.status === 200 ? 200 : 401);
    // Once the wave has ended, the valid token is served (after the last delay).
    await waitFor(async () => (await ask(valid)).status === 200, 15_000, 'valid token served after the wave');
  }, 40_000);

  it('answers most of 1,000 parallel bad-token requests from one address 401 at once, with Retry-After', async () => {
    const c = await collector({ max_pending_per_address: 1000 }, { throttle: {} });
    const t0 = Date.now();
    const wave = Promise.all(Array.from({ length: 1000 }, () =>
      fetch(`${c.url}/api/events`, { headers: { authorization: 'Bearer vgl_000000000000_' + 'x'.repeat(43) } })
        .then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), at: Date.now() - t0, body: await r.json() }))));
        // While the wave waits, a valid agent's upgrade from that address is refused the same way.
    await waitFor(() => /vigil_auth_throttled_total (\d+)/.exec(c.core.metrics.render())![1] !== '0', 10_000, 'wave capped');
    const agentToken = await c.core.tokens.create('agent', 'a');
    const status = await new Promise<{ code?: number; retry?: string }>((resolve) => {
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/ingest`, { headers: { authorization: `Bearer ${agentToken}`, 'x-vigil-agent': 'a' } });
      ws.once('open', () => { ws.close(); resolve({ code: 101 }); });
      ws.once('unexpected-response', (_q, res) => resolve({ code: res.statusCode, retry: res.headers['retry-after'] as string }));
      ws.once('error', () => resolve({}));
    });
    expect(status.code).toBe(401);
    expect(Number(status.retry)).toBeGreaterThanOrEqual(1);
    const answers = await wave;
const by = (s: number) => answers.filter((a) => a.status === s);
    const capped = answers.filter((a) => a.status === 401 && a.retry !== null);
    expect(by(401).length).toBe(1000);
    expect(capped.length).toBeGreaterThan(950);
    for (const a of capped) { expect(Number(a.retry)).toBeGreaterThanOrEqual(1); expect(a.body.error).toMatch(/too many/); }
    expect(/vigil_auth_throttled_total (\d+)/.exec(c.core.metrics.render())![1]).toBe(String(capped.length + 1)); // and the agent's upgrade
  }, 30_000);

  it('records last use only for an accepted token', async () => {
    const c = await collector({});
    const agentToken = await c.core.tokens.create('agent', 'web-1');
    const viewer = await c.core.tokens.create('api', 'viewer', 'viewer');
    // An agent token on the API and a viewer token on an admin route are refused.
    expect((await fetch(`${c.url}/api/events`, { headers: { authorization: `Bearer ${agentToken}` } })).status).toBe(401);
    expect((await fetch(`${c.url}/api/compliance/evaluate`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` } })).status).toBe(403);
    const used = (name: string) => c.core.tokens.list().find((t) => t.name === name)!.last_used;
    expect(used('web-1')).toBeNull();
    expect(used('viewer')).toBeNull();
    expect((await fetch(`${c.url}/api/events`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(200);
    await waitFor(() => used('viewer') !== null, 5000, 'last use recorded'); // sent, not awaited by authentication
    expect(used('viewer')).not.toBeNull();
    expect(used('web-1')).toBeNull();
  });
});

describe('rate-limited logs', () => {
  it('logs one line per key per interval and reports what it held back', async () => {
    const log = captureLog();
    const limiter = new LogLimiter(log, 100);
    try {
      for (let i = 0; i < 500; i++) limiter.warn('malformed_frame', 'agent session refused', { i });
      limiter.warn('other', 'agent session refused', { i: -1 });
      expect(log.lines.map((l) => l.extra?.i)).toEqual([0, -1]);
      await waitFor(() => log.lines.length === 3, 2000, 'summary line');
      expect(log.lines[2].extra).toMatchObject({ i: 499, suppressed: 499 });
    } finally { limiter.close(); }
  });

  it('with a burst, logs up to that many lines per key per interval, then summarises', async () => {
    const log = captureLog();
    const limiter = new LogLimiter(log, 100, Date.now, 3);
    try {
      for (let i = 0; i < 50; i++) limiter.warn('skipped', 'skipping a file', { i });
      expect(log.lines.map((l) => l.extra?.i)).toEqual([0, 1, 2]);
      await waitFor(() => log.lines.length === 4, 2000, 'summary line');
      expect(log.lines[3].extra).toMatchObject({ i: 49, suppressed: 47 });
    } finally { limiter.close(); }
  });

  it('malformed agent sessions do not log a line each', async () => {
    const log = captureLog();
    const c = await collector({}, { log });
    const token = await c.core.tokens.create('agent', 'edge-1');
    for (let i = 0; i < 30; i++) {
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`${c.url.replace('http', 'ws')}/ingest`, { headers: { authorization: `Bearer ${token}`, 'x-vigil-agent': 'edge-1' } });
        ws.once('open', () => ws.send(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02])));
        ws.once('close', () => resolve());
        ws.once('error', () => resolve());
      });
    }
    expect(Number(/vigil_ingest_rejects_total\{reason="malformed_frame"\} (\d+)/.exec(c.core.metrics.render())?.[1])).toBe(30);
    expect(log.lines.filter((l) => l.msg === 'agent session refused').length).toBeLessThanOrEqual(2);
  });
});

describe('per-address key', () => {
  it('is one key for all of loopback, an IPv4 prefix when configured, an IPv6 /64', () => {
    expect(new Set(['127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '::ffff:127.0.0.5'].map((a) => addressKey(a))).size).toBe(1);
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('203.0.113.7', 24)).toBe(addressKey('::ffff:203.0.113.200', 24));
    expect(addressKey('203.0.113.7', 24)).not.toBe(addressKey('203.0.114.7', 24));
    expect(addressKey('2001:db8::1')).toBe(addressKey('2001:db8::ffff:2'));
  });
});

describe('connections config', () => {
  const bad = (connections: Record<string, unknown>) => { try { validateConfig({ connections }); return ''; } catch (e) { return (e as Error).message; } };
  it('names the key of a bad value', () => {
    expect(bad({ max_total: 'lots' })).toMatch(/^connections\.max_total: expected an integer/);
    expect(bad({ max_total: 100, max_pending: 100 })).toMatch(/^connections\.max_pending: must be below max_total/);
    expect(bad({ max_per_address: 10, max_pending_per_address: 20 })).toMatch(/^connections\.max_pending_per_address/);
    expect(bad({ header_timeout: '10m' })).toMatch(/^connections\.header_timeout: expected a duration from/);
    expect(bad({ exempt: ['10.0.0.0/33'] })).toMatch(/^connections\.exempt\[0\]/);
    expect(bad({ ipv4_prefix: 33 })).toMatch(/^connections\.ipv4_prefix/);
    expect(bad({ max_total: 100, websocket_reserve: 80 })).toMatch(/^connections\.websocket_reserve/);
    expect(bad({ max_conns: 1 })).toMatch(/^connections\.max_conns: unknown key/);
    expect(validateConfig({}).connections).toMatchObject({ max_total: 10_000, max_per_address: 1000, max_pending_per_address: 64, header_timeout: 5000, idle_timeout: 5000, exempt: [] });
  });

  it('exits 2 naming the key', () => {
    const t = tempDir('vigil-conn-cli-');
    dirs.push(t.cleanup);
    const cfg = join(t.dir, 'c.yaml');
    writeFileSync(cfg, 'connections:\n  max_pending_per_address: 0\n');
    const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
    const r = spawnSync(process.execPath, [main, 'collector', '--listen', '127.0.0.1:0', '--data', join(t.dir, 'd'), '--config', cfg], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/connections\.max_pending_per_address/);
  });
});
