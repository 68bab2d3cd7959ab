/**
 * Lookups and counts planned from the per-bucket summary (store/event-keys.ts,
 * store/event-lookup.ts) against a plain scan of the same rows, on a randomised store that
 * spans several id buckets, before and after retention; the summary and the field templates
 * of buckets retention emptied are gone; the writer thread keeps the summary as exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DB } from '../src/store/db.js';
import { createEventStore, type EventStore, type NewEvent } from '../src/store/events.js';
import { migrateCore } from '../src/store/schema.js';
import { whereClause, type EventFilter } from '../src/store/event-filter.js';
import { createRetention } from '../src/store/retention.js';
import { BUCKET_BITS } from '../src/store/buckets.js';
import { LocalWriteQueue } from '../src/store/writer/queue.js';
import { BodyHandlers } from '../src/ingest/handlers.js';
import { createCommitPipeline } from '../src/ingest/pipeline.js';
import { DecoderCache } from '../src/ingest/decoder-cache.js';
import type { EcsFields, EventKind } from '../src/model.js';
import { line, tempDir, testCore, testEventStore } from './core-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

function store() {
  const s = testEventStore();
  cleanups.push(s.close);
  return s;
}

/** A seeded generator (the same store every run). */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

const DAY = 86400e3;
const T0 = Date.UTC(2026, 10, 1);
const AGENTS = ['web-1', 'web-2', 'db-1'];
const TYPES = ['auth', 'syslog', 'json', undefined];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.0.2.7', '2001:db8::1', undefined, undefined];
const USERS = ['root', 'alice', 'bob', 'deploy', undefined];
const OUTCOMES = ['success', 'failure', undefined];

/** The ids matching `f`, newest first, by a plain scan of every row (no index, no summary). */
function scan(db: DB, f: EventFilter): number[] {
  const w = whereClause(f);
  return db.prepare(`SELECT id FROM events NOT INDEXED WHERE ${w.sql} ORDER BY id DESC`).pluck().all(...w.params) as number[];
}

/** Every page of `f` at `limit` rows, their ids in order. */
function pages(events: EventStore, f: EventFilter, limit: number): number[] {
  const ids: number[] = [];
  let before: number | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = events.query(f, limit, before);
    ids.push(...p.events.map((e) => e.id));
    if (p.nextBeforeId === null) return ids;
    before = p.nextBeforeId;
  }
  throw new Error('paging did not end');
}

function randomFilter(r: ReturnType<typeof prng>): EventFilter {
  const f: EventFilter = { kind: r.pick(['log', 'log', 'metric'] as const) };
  const maybe = <T>(xs: readonly T[]) => (r.next() < 0.35 ? r.pick(xs) : undefined);
  const set = <K extends keyof EventFilter>(k: K, v: EventFilter[K] | undefined) => { if (v !== undefined) f[k] = v; };
  set('agent', maybe(AGENTS));
  set('type', maybe(TYPES.filter((x) => x !== undefined)));
  set('sourceIp', maybe(IPS.filter((x) => x !== undefined)));
  set('userName', maybe(USERS.filter((x) => x !== undefined)));
  if (r.next() < 0.15) set('outcome', r.pick(['success', 'failure']));
  if (r.next() < 0.5) {
    const since = T0 + r.int(6 * DAY);
    if (r.next() < 0.8) f.since = since;
    if (r.next() < 0.8) f.until = since + r.int(3 * DAY);
  }
  return f;
}

describe('summary-planned lookups and counts', () => {
  it('match a plain scan exactly on a randomised store across buckets, before and after retention', async () => {
    const { db, events } = store();
    const r = prng(14);
    // A row of another kind at a chosen id: later rows land in a later bucket (probes are never queried here).
    const jump = (id: number, ingested: number) => db.prepare(`INSERT INTO events (id, agent, seq, kind, ts, ingested, fields) VALUES (?, 'jump', 0, 'probe', 0, ?, '{}')`).run(id, ingested);
    const written = new Map<number, string>();
    let ingested = T0;
    for (let batch = 0; batch < 40; batch++) {
      ingested += 60e3;
      if (batch % 5 === 4) {
        const max = db.prepare('SELECT max(id) FROM events').pluck().get() as number;
        jump(max + r.int(2 << BUCKET_BITS), ingested);
      }
      const rows: NewEvent[] = Array.from({ length: 20 + r.int(80) }, (_, i) => {
        const kind: EventKind = r.next() < 0.8 ? 'log' : 'metric';
        const type = r.pick(TYPES);
        const fields: EcsFields = {
          '@timestamp': new Date(T0 + r.int(8 * DAY)).toISOString(), message: `m${batch}.${i}`,
          'source.ip': r.pick(IPS), 'user.name': r.pick(USERS), 'event.outcome': r.pick(OUTCOMES),
          'host.name': r.pick(['h1', 'h2']), [`batch.${batch % 7}`]: 'x', 'agent.name': '', 'vigil.type': type,
        };
        const agent = r.pick(AGENTS);
        fields['agent.name'] = agent;
        return { agent, seq: i + 1, kind, ingested, timeMs: ingested, type, fields };
      });
      for (const e of db.transaction(() => events.insertBatch(rows))()) written.set(e.id, JSON.stringify(e.fields));
    }
    const buckets = () => db.prepare(`SELECT DISTINCT id >> ${BUCKET_BITS} FROM events ORDER BY 1`).pluck().all() as number[];
    expect(buckets().length).toBeGreaterThan(6);

    const check = (label: string) => {
      for (let i = 0; i < 150; i++) {
        const f = randomFilter(r);
        const want = scan(db, f);
        expect(events.count(f), `${label} count ${JSON.stringify(f)}`).toBe(want.length);
        expect(pages(events, f, 1 + r.int(40)), `${label} pages ${JSON.stringify(f)}`).toEqual(want);
      }
      // Bounds on rows' own @timestamps (since inclusive, until exclusive), buckets' first and last among them.
      const stamps = db.prepare("SELECT min_ts FROM event_spans WHERE kind = 'log' UNION ALL SELECT max_ts FROM event_spans WHERE kind = 'log'").pluck().all() as number[];
      for (let i = 0; i < 20; i++) {
        const a = stamps[r.int(stamps.length)], b = stamps[r.int(stamps.length)];
        const f: EventFilter = { kind: 'log', since: Math.min(a, b), until: Math.max(a, b) };
        if (i % 2) f.userName = r.pick(['root', 'alice']);
        expect(events.count(f), `${label} count ${JSON.stringify(f)}`).toBe(scan(db, f).length);
        expect(pages(events, f, 50), `${label} pages ${JSON.stringify(f)}`).toEqual(scan(db, f));
      }
      for (const kind of ['log', 'metric'] as const) {
        for (const agent of AGENTS) expect(events.count({ kind, agent })).toBe(scan(db, { kind, agent }).length);
        expect(events.count({ kind, since: T0, until: T0 + 8 * DAY })).toBe(scan(db, { kind, since: T0, until: T0 + 8 * DAY }).length);
      }
    };
    check('before retention');

    // Retention by age in small chunks: whole buckets and part of the next go.
    const keep = [...written.keys()][Math.floor(written.size / 2)];
    const cutoff = db.prepare('SELECT ingested FROM events WHERE id = ?').pluck().get(keep) as number;
    const result = await createRetention(new LocalWriteQueue(db), db, { maxAgeMs: 1, chunk: 37 }).run(cutoff + 1);
    expect(result.deletedByAge).toBeGreaterThan(0);
    const oldest = db.prepare(`SELECT min(id) >> ${BUCKET_BITS} FROM events`).pluck().get() as number;
    expect(oldest).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) FROM event_keys WHERE bucket < ?').pluck().get(oldest)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM event_spans WHERE bucket < ?').pluck().get(oldest)).toBe(0);
    check('after retention');

    // Every row left reads back byte-identical.
    const left = db.prepare("SELECT id FROM events WHERE kind <> 'probe'").pluck().all() as number[];
    expect(left.length).toBeGreaterThan(0);
    for (const id of left) expect(JSON.stringify(events.get(id)!.fields)).toBe(written.get(id));

    // Everything goes: the summary and the templates go with it.
    await createRetention(new LocalWriteQueue(db), db, { maxAgeMs: 1 }).run(ingested + 10);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
    for (const t of ['event_keys', 'event_spans', 'field_templates']) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(0);
  });

  it('after retention has removed the events of an old period, none of its templates remains', async () => {
    const { db, events } = store();
    const old = Date.UTC(2026, 0, 1);
    const row = (i: number, period: string, ingested: number): NewEvent => ({
      agent: 'web-1', seq: i + 1, kind: 'log', ingested, timeMs: ingested, type: 'auth',
      fields: { '@timestamp': new Date(ingested).toISOString(), message: `m${i}`, 'log.period': period, 'host.name': 'h1', 'agent.name': 'web-1', 'vigil.type': 'auth' },
    });
    db.transaction(() => events.insertBatch(Array.from({ length: 50 }, (_, i) => row(i, 'january', old))))();
    // The next period starts in a later bucket (the rows between were deleted long ago).
    db.prepare(`INSERT INTO events (id, agent, seq, kind, ts, ingested, fields) VALUES (?, 'jump', 0, 'probe', 0, ?, '{}')`).run(3 << BUCKET_BITS, old);
    const recent = Date.UTC(2026, 10, 1);
    const kept = db.transaction(() => events.insertBatch(Array.from({ length: 50 }, (_, i) => row(i, 'november', recent))))();
    const bodies = () => db.prepare('SELECT body FROM field_templates').pluck().all() as string[];
    expect(bodies().some((b) => b.includes('january'))).toBe(true);

    await createRetention(new LocalWriteQueue(db), db, { maxAgeMs: 30 * 86400e3 }).run(recent);
    expect(db.prepare("SELECT count(*) FROM events WHERE ingested = ?").pluck().get(old)).toBe(0);
    expect(bodies().some((b) => b.includes('january'))).toBe(false);
    expect(bodies().some((b) => b.includes('november'))).toBe(true);
    for (const e of kept) expect(JSON.stringify(events.get(e.id)!.fields)).toBe(JSON.stringify(e.fields));
  });

  it('an older database (templates without buckets, no summary) is upgraded: same rows, exact counts', () => {
    const { db, events } = store();
    const r = prng(3);
    const rows: NewEvent[] = Array.from({ length: 300 }, (_, i) => {
      const agent = r.pick(AGENTS);
      return { agent, seq: i + 1, kind: 'log', ingested: T0, timeMs: T0, type: 'auth', fields: {
        '@timestamp': new Date(T0 + r.int(DAY)).toISOString(), message: `m${i}`, 'source.ip': r.pick(IPS), 'user.name': r.pick(USERS), 'agent.name': agent, 'vigil.type': 'auth',
      } };
    });
    const stored = db.transaction(() => events.insertBatch(rows))();
    // Back to the layout before buckets: one template table without buckets, no summary.
    db.exec(`DROP TABLE event_keys; DROP TABLE event_spans; DROP TABLE event_seal; DROP INDEX events_type_id;
      CREATE TABLE old_templates (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
      INSERT OR IGNORE INTO old_templates SELECT id, body FROM field_templates;
      DROP TABLE field_templates; ALTER TABLE old_templates RENAME TO field_templates;
      DELETE FROM schema_migrations WHERE module = 'buckets';`);
    migrateCore(db);
    const upgraded = createEventStore(db, db);
    for (const e of stored) expect(JSON.stringify(upgraded.get(e.id)!.fields)).toBe(JSON.stringify(e.fields));
    for (const f of [{ kind: 'log', userName: 'root' }, { kind: 'log', agent: 'web-2' }, { kind: 'log', sourceIp: '10.0.0.1' }, { kind: 'log', type: 'auth' },
      { kind: 'log', since: T0 + DAY / 3, until: T0 + DAY / 2 }] as EventFilter[]) {
      expect(upgraded.count(f), JSON.stringify(f)).toBe(scan(db, f).length);
      expect(pages(upgraded, f, 25), JSON.stringify(f)).toEqual(scan(db, f));
    }
  });

  it('each store instance has its own template encoder', () => {
    const a = store();
    const b = store();
    expect(a.events.templates).not.toBe(b.events.templates);
  });

  it('the writer thread keeps the summary exact, across a bucket boundary', async () => {
    const t = tempDir();
    const c = testCore(t.dir);
    cleanups.push(t.cleanup, c.close);
    const db = c.ctx.db;
    // Start a few rows before the end of bucket 0, so batches straddle into bucket 1.
    db.prepare(`INSERT INTO events (id, agent, seq, kind, ts, ingested, fields) VALUES (?, 'jump', 0, 'probe', 0, 0, '{}')`).run((1 << BUCKET_BITS) - 40);
    const pipeline = createCommitPipeline({ writer: c.ctx.writer, reader: db, agents: c.core.agents, decoders: new DecoderCache(), bodies: new BodyHandlers(), templates: c.core.events.templates });
    cleanups.push(() => pipeline.close());
    for (const a of ['web1', 'web2']) await c.core.agents.hello({ agentName: a, instanceId: `${a}-i1` }, Date.now());
    const users = ['root', 'alice', 'bob'];
    const batch = (from: number) => Array.from({ length: 30 }, (_, i) => line(from + i,
      `Nov 27 10:00:${String((from + i) % 60).padStart(2, '0')} h sshd[1]: Failed password for ${users[(from + i) % 3]} from 10.0.0.${(from + i) % 7} port 22 ssh2`));
    await Promise.all([0, 1, 2, 3].map((k) => new Promise<void>((resolve, reject) => pipeline.submit(k % 2 ? 'web2' : 'web1', k % 2 ? 'web2-i1' : 'web1-i1',
      { firstSeq: Math.floor(k / 2) * 30 + 1, events: batch(k * 30) }, Date.now(), 0, (err) => (err ? reject(err) : resolve())))));
    expect(db.prepare(`SELECT count(DISTINCT id >> ${BUCKET_BITS}) FROM events WHERE kind = 'log'`).pluck().get()).toBe(2);
    const span = db.prepare("SELECT min(ts) AS lo, max(ts) AS hi FROM events WHERE kind = 'log'").get() as { lo: number; hi: number };
    const filters: EventFilter[] = [
      { kind: 'log', userName: 'root' }, { kind: 'log', agent: 'web2' }, { kind: 'log', sourceIp: '10.0.0.3' }, { kind: 'log', type: 'auth' },
      { kind: 'log', sourceIp: '10.0.0.3', userName: 'alice' },
      { kind: 'log', since: span.lo + (span.hi - span.lo) / 4, until: span.lo + (3 * (span.hi - span.lo)) / 4 },
    ];
    for (const f of filters) {
      const want = scan(db, f);
      expect(want.length, JSON.stringify(f)).toBeGreaterThan(0);
      expect(c.core.events.count(f), JSON.stringify(f)).toBe(want.length);
      expect(pages(c.core.events, f, 7), JSON.stringify(f)).toEqual(want);
    }
  });
});
