import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { build } from '../src/api/app.js';
import { createBatchCommitter } from '../src/ingest/commit.js';
import { DecoderCache } from '../src/ingest/decoder-cache.js';
import { BodyHandlers } from '../src/ingest/handlers.js';
import { FailureThrottle } from '../src/api/throttle.js';
import { tempDir, testCore } from './core-helpers.js';

let app: FastifyInstance;
let openApp: FastifyInstance;
let viewer: string;
let admin: string;
let agentToken: string;
const cleanups: Array<() => void | Promise<void>> = [];

beforeAll(async () => {
  const t = tempDir();
  const c = testCore(t.dir);
  cleanups.push(t.cleanup, c.close);
  viewer = await c.core.tokens.create('api', 'dash', 'viewer');
  admin = await c.core.tokens.create('api', 'ops', 'admin');
  agentToken = await c.core.tokens.create('agent', 'web1');
  await c.core.agents.hello({ agentName: 'web1', instanceId: 'i1', version: '1.0' }, Date.now());
  const committer = createBatchCommitter({ writer: c.ctx.writer, reader: c.ctx.db, agents: c.core.agents, decoders: new DecoderCache(), bodies: new BodyHandlers() });
  cleanups.push(() => committer.close());
  const events = Array.from({ length: 30 }, (_, i) => ({
    timeMs: Date.parse('2026-01-01T00:00:00Z') + i * 60_000,
    line: { type: i < 20 ? 'auth' : 'syslog', path: '/var/log/x', offset: i * 10, text: i === 7 ? 'evil <script>alert(1)</script> 100%' : `line ${i}` },
  }));
  await committer.commit('web1', 'i1', { firstSeq: 1, events }, Date.now());
  app = build(c.ctx, c.core);
  app.post('/api/test/act', async () => ({ done: true })); // stands in for modules' admin actions
  await app.ready();
  const c2 = testCore(t.dir, { metrics: { open: true } });
  cleanups.push(c2.close);
  await c2.core.ready;
  openApp = build(c2.ctx, c2.core);
  await openApp.ready();
});
afterAll(async () => { await app.close(); await openApp.close(); while (cleanups.length) await cleanups.pop()!(); });

const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('API auth', () => {
  it('serves /api/health and /api/openapi.json without a token', async () => {
    expect((await get('/api/health')).json()).toEqual({ status: 'ok' });
    const doc = (await get('/api/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    const params = doc.paths['/api/events'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['agent', 'type', 'source.ip', 'user.name', 'event.outcome', 'since', 'until', 'q', 'kind', 'limit', 'cursor']));
    expect(doc.paths['/api/test/act'].post.security).toBeDefined();
  });

  it('answers 401 with a JSON error and no data for missing, wrong and agent tokens', async () => {
    for (const token of [undefined, 'nope', `${viewer.slice(0, -2)}xx`, agentToken]) {
      const r = await get('/api/events', token);
      expect(r.statusCode).toBe(401);
      expect(Object.keys(r.json())).toEqual(['error']);
    }
    expect((await get('/metrics')).statusCode).toBe(401);
  });

  it('lets viewers read but not act (403), admins do both', async () => {
    expect((await get('/api/agents', viewer)).statusCode).toBe(200);
    const post = (token: string) => app.inject({ method: 'POST', url: '/api/test/act', headers: { authorization: `Bearer ${token}` } });
    const v = await post(viewer);
    expect(v.statusCode).toBe(403);
    expect(v.json().error).toMatch(/admin/);
    expect((await post(admin)).json()).toEqual({ done: true });
  });

  it('slows down an address that keeps presenting bad tokens, with bounded memory', () => {
    let now = 0;
    const t = new FailureThrottle({ freeFailures: 2, baseDelayMs: 100, maxDelayMs: 1000, maxEntries: 3 }, () => now);
    expect([t.fail('a'), t.fail('a'), t.fail('a'), t.fail('a'), t.fail('a'), t.fail('a'), t.fail('a')]).toEqual([0, 0, 100, 200, 400, 800, 1000]);
    for (const addr of ['b', 'c', 'd', 'e']) t.fail(addr);
    expect(t.size).toBe(3);
    now += 16 * 60_000;
    expect(t.fail('e')).toBe(0); // forgotten after a quiet period
  });

  it('serves /metrics with a token, or open when configured', async () => {
    const r = await get('/metrics', viewer);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/^vigil_db_size_bytes \d+$/m);
    expect(r.body).toMatch(/^vigil_agents_online \d+$/m);
    expect((await openApp.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await openApp.inject({ method: 'GET', url: '/api/agents' })).statusCode).toBe(401);
  });
});

describe('API events', () => {
  it('answers 400 naming the bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'], ['limit=10001', 'limit'], ['limit=abc', 'limit'], ['since=yesterday', 'since'],
      ['until=2026-13-01', 'until'], ['event.outcome=maybe', 'event.outcome'], ['kind=logs', 'kind'],
      ['cursor=garbage', 'cursor'], ['sourceip=1.2.3.4', 'sourceip'],
    ];
    for (const [qs, parameter] of cases) {
      const r = await get(`/api/events?${qs}`, viewer);
      expect(r.statusCode, qs).toBe(400);
      expect(r.json().parameter, qs).toBe(parameter);
      expect(typeof r.json().error).toBe('string');
    }
    expect((await get('/api/events/count?since=nope', viewer)).json().parameter).toBe('since');
  });

  it('parses since/until as strict RFC 3339: impossible dates, hour 24 and a missing offset are 400s, a leap second is :59', async () => {
    for (const bad of ['2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:05:00', '2026-01-01T00:60:00Z',
      '2026-01-01T00:05Z', '2026-01-01T12:59:60Z', '2026-01-01T00:00:00+24:00', '2025-02-29T00:00:00Z']) {
      for (const route of ['/api/events', '/api/events/count']) {
        const r = await get(`${route}?since=${encodeURIComponent(bad)}`, viewer);
        expect(r.statusCode, `${route} ${bad}`).toBe(400);
        expect(r.json().parameter, `${route} ${bad}`).toBe('since');
      }
    }
    // 2025-12-31T23:59:60Z is taken as 23:59:59Z (so is an offset that puts it at 23:59 UTC).
    const leap = (await get('/api/events/count?since=2025-12-31T23:59:60Z&until=2026-01-01T00:03:00Z', viewer)).json();
    const plain = (await get('/api/events/count?since=2025-12-31T23:59:59Z&until=2026-01-01T00:03:00Z', viewer)).json();
    expect(leap).toEqual({ count: 3 });
    expect(plain).toEqual(leap);
    expect((await get('/api/events/count?since=2026-01-01T01:59:60%2B02:00&until=2026-01-01T00:03:00Z', viewer)).json()).toEqual({ count: 3 });
    expect((await get('/api/events/count?since=2026-01-01T01:00:00.5%2B01:00&until=2026-01-01T00:03:00z', viewer)).json()).toEqual({ count: 2 });
  });

  it('pages newest first with an opaque cursor, null at the end', async () => {
    const messages: string[] = [];
    let url = '/api/events?limit=7';
    for (let i = 0; i < 10; i++) {
      const body = (await get(url, viewer)).json();
      messages.push(...body.events.map((e: { message: string }) => e.message));
      if (body.next_cursor === null) break;
      url = `/api/events?limit=7&cursor=${encodeURIComponent(body.next_cursor)}`;
    }
    expect(messages).toHaveLength(30);
    expect(messages[0]).toBe('line 29');
    expect(messages[29]).toBe('line 0');
  });

  it('filters by type, time range, agent and substring; counts agree', async () => {
    const q = '/api/events?type=auth&since=2026-01-01T00:05:00Z&until=2026-01-01T00:10:00Z&agent=web1&limit=100';
    const body = (await get(q, viewer)).json();
    expect(body.events.map((e: { message: string }) => e.message)).toEqual(['line 9', 'line 8', expect.stringContaining('evil'), 'line 6', 'line 5']);
    expect(body.events[0]).toMatchObject({ 'agent.name': 'web1', 'log.file.path': '/var/log/x', 'vigil.type': 'auth' });
    expect(typeof body.events[0].id).toBe('number');
    expect((await get(q.replace('/api/events?', '/api/events/count?').replace('&limit=100', ''), viewer)).json()).toEqual({ count: 5 });
    expect((await get('/api/events/count', viewer)).json()).toEqual({ count: 30 });
    expect((await get('/api/events/count?type=syslog', viewer)).json()).toEqual({ count: 10 });
    expect((await get('/api/events/count?q=100%25', viewer)).json()).toEqual({ count: 1 });
    expect((await get('/api/events/count?q=_', viewer)).json()).toEqual({ count: 0 });
    expect((await get('/api/events/count?agent=&type=', viewer)).json()).toEqual({ count: 30 });
    expect((await get('/api/events/count?kind=metric', viewer)).json()).toEqual({ count: 0 });
  });

  it('lists agents with status and last_seen', async () => {
    const { agents } = (await get('/api/agents', viewer)).json();
    expect(agents).toHaveLength(1);
    // The second core opened on the same file (like a collector restart) ended all sessions.
    expect(agents[0]).toMatchObject({ name: 'web1', status: 'offline', version: '1.0', last_seq: 30 });
    expect(Date.parse(agents[0].last_seen)).toBeGreaterThan(0);
  });
});
