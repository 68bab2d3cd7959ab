// The response byte budget (api.max_response_bytes) on every list route, against a real
// collector on 127.0.0.1 (events), the alerts harness (alerts) and telemetry's route
// (container events): a page over the budget ends early with a next_cursor, at least one
// row, and following the cursors returns every row once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../src/server.js';
import { AgentClient, line, tempDir, testCollector } from './core-helpers.js';
import { bruteForce, startHarness, type Harness } from './alerts-harness.js';

const MiB = 1024 * 1024;

/** Follows next_cursor from `first` to the end; returns every page's items. */
async function walk<T>(fetchPage: (cursor?: string) => Promise<{ items: T[]; next: string | null }>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const p = await fetchPage(cursor);
    pages.push(p.items);
    if (p.next === null) return pages;
    cursor = p.next;
  }
  throw new Error('cursor never ended');
}

/** A collector with a viewer token, after an agent sent `batches` of lines (each acked). */
async function collectorWith(config: Record<string, unknown>, batches: Array<ReturnType<typeof line>[]>): Promise<{ c: RunningCollector; cleanup: () => void; viewer: string }> {
  const t = tempDir();
  const c = await testCollector(t.dir, config);
  const viewer = await c.core.tokens.create('api', 'dash', 'viewer');
  const token = await c.core.tokens.create('agent', 'web1');
  const a = await AgentClient.connect(c.url, { authorization: `Bearer ${token}`, 'x-vigil-agent': 'web1' });
  try {
    a.send({ hello: { agentName: 'web1', instanceId: 'i1', version: '0.1.0', clockMs: Date.now() } });
    expect((await a.next()).welcome).toBeDefined();
    let seq = 0;
    for (const events of batches) {
      a.send({ batch: { firstSeq: seq + 1, events } });
      seq += events.length;
      expect((await a.next(30_000)).ack).toEqual({ seq });
    }
  } finally { await a.close(); }
  return { c, cleanup: t.cleanup, viewer };
}

describe('events: a page ends at the byte budget', () => {
  let c: RunningCollector;
  let cleanup: () => void;
  let viewer: string;
  beforeAll(async () => {
    // 100 rows of 1 MiB each, 10 per batch (frames stay under 16 MiB).
    ({ c, cleanup, viewer } = await collectorWith({ ingest: { max_line_bytes: '2MiB' }, api: { max_response_bytes: '8MiB' } },
      Array.from({ length: 10 }, (_, b) => Array.from({ length: 10 }, (_, i) => line((b * 10 + i) * (MiB + 1), `row ${b * 10 + i} ` + 'x'.repeat(MiB), 'syslog', '/var/log/big.log')))));
  });
  afterAll(async () => { await c?.stop(); cleanup?.(); });

  it('100 rows of 1 MiB: each page stays within 8 MiB, the cursors return all 100 once, newest first', async () => {
    const pages = await walk(async (cursor) => {
      const r = await fetch(`${c.url}/api/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { authorization: `Bearer ${viewer}` } });
      expect(r.status).toBe(200);
      const text = await r.text();
      expect(text.length).toBeLessThanOrEqual(8 * MiB + 64 * 1024);
      const body = JSON.parse(text) as { events: Array<{ message: string }>; next_cursor: string | null };
      return { items: body.events.map((e) => e.message.split(' x')[0]), next: body.next_cursor };
    });
    expect(pages.length).toBeGreaterThanOrEqual(13); // about 7 rows a page
    expect(pages.every((p) => p.length >= 1 && p.length <= 8)).toBe(true);
    expect(pages.flat()).toEqual(Array.from({ length: 100 }, (_, i) => `row ${99 - i}`));
  });

  it('a row bigger than the budget still comes, alone, and the cursor goes on', async () => {
    const page = c.core.events.query({ kind: 'log' }, 100, undefined, 1000);
    expect(page.events).toHaveLength(1);
    expect(page.nextBeforeId).toBe(page.events[0].id);
    const next = c.core.events.query({ kind: 'log' }, 100, page.nextBeforeId!, 1000);
    expect(next.events[0].id).toBeLessThan(page.events[0].id);
    // bucketed filters (time bounds) are paged by the same budget
    const since = Date.now() - 3600_000;
    const b = c.core.events.query({ kind: 'log', since }, 100, undefined, 3 * MiB);
    expect(b.events).toHaveLength(2);
    expect(b.nextBeforeId).toBe(b.events[1].id);
  });
});

describe('events: the budget counts bytes as they are written', () => {
  let c: RunningCollector;
  let cleanup: () => void;
  let viewer: string;
  const budget = 256 * 1024;
  beforeAll(async () => {
    // 20 lines of 16 Ki control characters (6 bytes each in JSON) and 20 of CJK (3 bytes each).
    ({ c, cleanup, viewer } = await collectorWith({ api: { max_response_bytes: '256KiB' } },
      [Array.from({ length: 40 }, (_, i) => line(i * 70_000, `row ${i} ` + (i % 2 ? '\u0001'.repeat(16_384) : '\u4e2d'.repeat(16_384)), 'syslog', '/var/log/odd.log'))]));
  });
  afterAll(async () => { await c?.stop(); cleanup?.(); });

  it('control-character and CJK rows: every page body is within the budget, and the cursors return all rows once', async () => {
    const pages = await walk(async (cursor) => {
      const r = await fetch(`${c.url}/api/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { authorization: `Bearer ${viewer}` } });
      expect(r.status).toBe(200);
      const body = Buffer.from(await r.arrayBuffer());
      const page = JSON.parse(body.toString('utf8')) as { events: Array<{ message: string }>; next_cursor: string | null };
      if (page.events.length > 1) expect(body.length).toBeLessThanOrEqual(budget);
      return { items: page.events.map((e) => e.message.split(' ').slice(0, 2).join(' ')), next: page.next_cursor };
    });
    expect(new Set(pages.flat()).size).toBe(40);
    expect(pages.length).toBeGreaterThan(4);
  });
});

describe('alerts: the same budget', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { api: { max_response_bytes: '64KiB' } } });
  });
  afterAll(async () => { await h?.stop(); });

  it('a page of alerts ends at the budget and its cursor continues without loss or duplicates', async () => {
    const big = 'u'.repeat(10_000);
    for (let i = 0; i < 30; i++) await h.svc.apply(bruteForce(`198.51.100.${i}`, { group: { 'source.ip': `198.51.100.${i}`, 'user.name': big } }));
    const pages = await walk(async (cursor) => {
      const r = await h.app.inject({ method: 'GET', url: `/api/alerts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: { authorization: `Bearer ${h.viewer}` } });
      expect(r.statusCode).toBe(200);
      expect(r.body.length).toBeLessThanOrEqual(64 * 1024 + 12_000);
      const body = r.json() as { alerts: Array<{ group: Record<string, string> }>; next_cursor: string | null };
      return { items: body.alerts.map((a) => a.group['source.ip']), next: body.next_cursor };
    });
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.flat()).toEqual(Array.from({ length: 30 }, (_, i) => `198.51.100.${29 - i}`));
  });
});
