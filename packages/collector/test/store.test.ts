import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { migrateCore, DB_FILE } from '../src/store/schema.js';
import { usedBytes } from '../src/store/retention.js';
import { createBatchCommitter } from '../src/ingest/commit.js';
import { DecoderCache } from '../src/ingest/decoder-cache.js';
import { BodyHandlers } from '../src/ingest/handlers.js';
import { join } from 'node:path';
import { line, tempDir, testCore } from './core-helpers.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

function setup(now: () => number = Date.now, config: Record<string, unknown> = {}) {
  const t = tempDir();
  const c = testCore(t.dir, config, now);
  const committer = createBatchCommitter({ writer: c.ctx.writer, reader: c.ctx.db, agents: c.core.agents, decoders: new DecoderCache(), bodies: new BodyHandlers() });
  cleanups.push(t.cleanup, c.close, () => committer.close());
  const commit = committer.commit;
  c.core.agents.hello({ agentName: 'web1', instanceId: 'i1' }, now());
  return { ...c, dir: t.dir, commit };
}

describe('core store', () => {
  it('migrations are idempotent and recorded once per step', () => {
    const t = tempDir(); cleanups.push(t.cleanup);
    const db = openDatabase(join(t.dir, DB_FILE));
    migrateCore(db); migrateCore(db);
    const db2 = openDatabase(join(t.dir, DB_FILE));
    migrateCore(db2);
    const rows = db.prepare("SELECT version FROM schema_migrations WHERE module = 'core' ORDER BY version").pluck().all();
    expect(rows).toEqual([1, 2, 3, 4, 5, 6]);
    expect(db.pragma('page_size', { simple: true })).toBe(16384); // a new file gets 16 KiB pages
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close(); db2.close();
  });

  it('an existing file keeps its page size (WAL cannot change it)', () => {
    const t = tempDir(); cleanups.push(t.cleanup);
    const file = join(t.dir, DB_FILE);
    const old = new Database(file);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x)');
    old.close();
    const db = openDatabase(file);
    migrateCore(db);
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
    db.close();
  });

  it('commits a batch once: a resent batch is deduplicated on the high-water mark', async () => {
    const s = setup();
    const batch = { firstSeq: 1, events: [line(0, 'a'), line(2, 'b'), line(4, 'c')] };
    const r1 = await s.commit('web1', 'i1', batch, Date.now());
    expect(r1.ack).toBe(3);
    expect(r1.stored.map((e) => e.seq)).toEqual([1, 2, 3]);
    const r2 = await s.commit('web1', 'i1', batch, Date.now());
    expect(r2.stored).toEqual([]);
    expect(r2.duplicates).toBe(3);
    expect(r2.ack).toBe(3);
    // Partial overlap: only the new tail is stored.
    const r3 = await s.commit('web1', 'i1', { firstSeq: 3, events: [line(4, 'c'), line(6, 'd')] }, Date.now());
    expect(r3.stored.map((e) => e.fields.message)).toEqual(['d']);
    expect(s.core.events.count({ kind: 'log' })).toBe(4);
    expect(s.core.agents.lastSeq('web1', 'i1')).toBe(4);
  });

  it('adds the ingest fields to decoded log lines', async () => {
    const s = setup();
    const ev = { timeMs: Date.now(), line: { type: 'auth', path: '/var/log/auth.log', offset: 42, text: 'x', truncated: true, originalLength: 99999 } };
    const [stored] = (await s.commit('web1', 'i1', { firstSeq: 1, events: [ev] }, Date.now())).stored;
    expect(stored.fields).toMatchObject({ 'agent.name': 'web1', 'log.file.path': '/var/log/auth.log', 'log.offset': 42, 'vigil.type': 'auth', 'vigil.truncated': true });
    expect(typeof stored.fields['event.ingested']).toBe('string');
    expect(s.core.events.get(stored.id)).toEqual(stored);
  });

  it('records a sequence gap as a data-loss event and stores wire loss bodies as loss', async () => {
    const s = setup();
    await s.commit('web1', 'i1', { firstSeq: 1, events: [line(0, 'a')] }, Date.now());
    const r = await s.commit('web1', 'i1', { firstSeq: 5, events: [line(10, 'e'), { timeMs: Date.now(), loss: { droppedEvents: 7, reason: 'outbox full' } }] }, Date.now());
    expect(r.ack).toBe(6);
    const loss = s.core.events.query({ kind: 'loss' }, 10).events;
    expect(loss).toHaveLength(2);
    const gap = loss.find((e) => e.fields['event.action'] === 'sequence-gap')!;
    expect(gap.fields).toMatchObject({ 'vigil.loss.first_seq': 2, 'vigil.loss.last_seq': 4, 'vigil.loss.dropped_events': 3 });
    expect(loss.find((e) => e.fields['event.action'] === 'data-loss')!.fields['vigil.loss.dropped_events']).toBe(7);
    expect(s.core.events.count({ kind: 'log' })).toBe(2);
  });

  it('stores an event with an unknown body as audit rather than losing it', async () => {
    const s = setup();
    await s.commit('web1', 'i1', { firstSeq: 1, events: [{ timeMs: Date.now() }] }, Date.now());
    const audit = s.core.events.query({ kind: 'audit' }, 10).events;
    expect(audit).toHaveLength(1);
    expect(audit[0].fields['event.action']).toBe('unknown-body');
  });

  it('pages newest first by keyset and counts with filters', async () => {
    const s = setup();
    const events = Array.from({ length: 25 }, (_, i) => ({ timeMs: 1_700_000_000_000 + i * 1000, line: { type: i % 2 ? 'auth' : 'syslog', path: '/l', offset: i, text: `line ${i}` } }));
    await s.commit('web1', 'i1', { firstSeq: 1, events }, Date.now());
    const seen: unknown[] = [];
    let before: number | undefined;
    for (;;) {
      const page = s.core.events.query({ kind: 'log' }, 10, before);
      seen.push(...page.events.map((e) => e.fields.message));
      if (page.nextBeforeId === null) break;
      before = page.nextBeforeId;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `line ${24 - i}`));
    expect(s.core.events.count({ kind: 'log', type: 'auth' })).toBe(12);
    expect(s.core.events.count({ kind: 'log', q: 'line 2' })).toBe(6); // 2, 20..24
    expect(s.core.events.count({ kind: 'log', q: '%' })).toBe(0);      // not a pattern
    expect(s.core.events.count({ kind: 'log', since: 1_700_000_010_000, until: 1_700_000_015_000 })).toBe(5);
  });

  it('retention deletes by age of ingestion, not of @timestamp, and keeps totals exact', async () => {
    let now = 1_800_000_000_000;
    const s = setup(() => now, { retention: { max_age: '1d' } });
    // A year-old log line replayed today is kept.
    const old = { timeMs: now - 365 * 86400e3, line: { type: 'auth', path: '/l', offset: 0, text: 'a year ago' } };
    await s.commit('web1', 'i1', { firstSeq: 1, events: [old] }, now);
    const t0 = now;
    now += 12 * 3600e3;
    await s.commit('web1', 'i1', { firstSeq: 2, events: [line(1, 'fresh')] }, now);
    expect(await s.core.retention.run(now)).toEqual({ deletedByAge: 0, deletedBySize: 0 });
    now = t0 + 86400e3 + 60e3; // the first row is now over a day old by ingestion; the second is not
    const r = await s.core.retention.run(now);
    expect(r.deletedByAge).toBe(1);
    expect(s.core.events.query({ kind: 'log' }, 10).events.map((e) => e.fields.message)).toEqual(['fresh']);
    expect(s.core.events.count({ kind: 'log' })).toBe(1);
  });

  it('retention by size removes the oldest events until under the cap', async () => {
    // The cap sits well above an empty store's own pages (tables and indexes: 16 KiB each).
    const s = setup(Date.now, { retention: { max_bytes: 2_000_000 } });
    const big = 'x'.repeat(1500);
    for (let b = 0; b < 20; b++) {
      await s.commit('web1', 'i1', { firstSeq: b * 100 + 1, events: Array.from({ length: 100 }, (_, i) => line(i, `${b}-${i} ${big}`)) }, Date.now());
    }
    const r = await s.core.retention.run(Date.now());
    expect(r.deletedBySize).toBeGreaterThan(0);
    const left = s.core.events.count({ kind: 'log' });
    expect(left).toBe(2000 - r.deletedBySize);
    expect(left).toBeGreaterThan(0);
    expect(usedBytes(s.ctx.db)).toBeLessThanOrEqual(2_000_000);
    const newest = s.core.events.query({ kind: 'log' }, 1).events[0];
    expect(newest.fields.message).toMatch(/^19-99 /);
  });

  it('tokens: only a hash is stored, revoked tokens stop verifying, revision moves', async () => {
    const s = setup();
    const { tokens } = s.core;
    const rev0 = tokens.revision();
    const t = await tokens.create('api', 'ops', 'admin');
    expect(t).toMatch(/^vgl_[a-f0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const stored = s.ctx.db.prepare('SELECT * FROM tokens').all() as Array<Record<string, unknown>>;
    expect(JSON.stringify(stored)).not.toContain(t.slice(t.indexOf('_', 4) + 1)); // the secret (base64url: may hold '_')
    const id = tokens.verify(t);
    expect(id).toMatchObject({ name: 'ops', kind: 'api', role: 'admin' });
    expect(tokens.verify(t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(tokens.revision()).toBeGreaterThan(rev0);
    expect(tokens.list()[0].last_used).toBeNull(); // verifying records nothing: the caller may still refuse it
    await tokens.used(id!.id, Date.now());
    expect(tokens.list()[0].last_used).not.toBeNull();
    expect(await tokens.revoke('ops', Date.now())).toBe(1);
    expect(tokens.verify(t)).toBeUndefined();
    expect(tokens.list()[0].revoked).not.toBeNull();
  });
});
