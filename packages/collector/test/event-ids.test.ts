/**
 * Event ids never go back: after retention has emptied the table and the collector
 * restarted, new rows get ids above every id given before (event_ids), so they land in
 * buckets the summary seals and counts (lookups and counts stay exact) and id cursors
 * (compliance's, the API's) never meet an id twice.
 */
import { afterEach, expect, it } from 'vitest';
import { whereClause, type EventFilter } from '../src/store/event-filter.js';
import { createRetention } from '../src/store/retention.js';
import { BUCKET_BITS } from '../src/store/buckets.js';
import { BodyHandlers } from '../src/ingest/handlers.js';
import { createCommitPipeline } from '../src/ingest/pipeline.js';
import { DecoderCache } from '../src/ingest/decoder-cache.js';
import { line, tempDir, testCore } from './core-helpers.js';
import type { DB } from '../src/store/db.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });
const scan = (db: DB, f: EventFilter) => { const w = whereClause(f); return db.prepare(`SELECT count(*) FROM events NOT INDEXED WHERE ${w.sql}`).pluck().get(...w.params); };

it('after retention emptied the table and a restart, new ids stay above the old ones and lookups find every new row', async () => {
  const t = tempDir();
  cleanups.push(t.cleanup);
  let c = testCore(t.dir);
  let db = c.ctx.db;
  const mk = () => createCommitPipeline({ writer: c.ctx.writer, reader: db, agents: c.core.agents, decoders: new DecoderCache(), bodies: new BodyHandlers(), templates: c.core.events.templates });
  let pipeline = mk();
  await c.core.agents.hello({ agentName: 'web1', instanceId: 'i1' }, Date.now());
  const sub = (first: number) => new Promise<void>((res, rej) => pipeline.submit('web1', 'i1', { firstSeq: first, events: Array.from({ length: 20 }, (_, i) =>
    line(first + i, `Nov 27 10:00:0${i % 10} h sshd[1]: Failed password for root from 10.0.0.9 port 22 ssh2`)) }, Date.now(), 0, (e) => (e ? rej(e) : res())));
  await sub(1);
  // an older collector's rows went up to bucket 3 (as after a long run)
  db.prepare(`INSERT INTO events (id, agent, seq, kind, ts, ingested, fields) VALUES (?, 'jump', 0, 'probe', 0, 0, '{}')`).run(3 << BUCKET_BITS);
  await pipeline.close(); pipeline = mk();
  await sub(21);
  const highest = db.prepare('SELECT max(id) FROM events').pluck().get() as number;
  // retention removes every event
  await createRetention(c.ctx.writer, db, { maxAgeMs: 1 }).run(Date.now() + 10_000);
  expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
  await pipeline.close(); await c.close();
  // restart
  c = testCore(t.dir);
  db = c.ctx.db;
  pipeline = mk();
  cleanups.push(async () => { await pipeline.close(); await c.close(); });
  await c.core.agents.hello({ agentName: 'web1', instanceId: 'i1' }, Date.now());
  await sub(41);
  await sub(61);
  expect(db.prepare('SELECT min(id) FROM events').pluck().get()).toBeGreaterThan(highest);
  for (const f of [{ kind: 'log', sourceIp: '10.0.0.9' }, { kind: 'log', userName: 'root' }] as EventFilter[]) {
    expect(scan(db, f)).toBe(40);
    expect(c.core.events.count(f), JSON.stringify(f)).toBe(40);
    expect(c.core.events.query(f, 100).events, JSON.stringify(f)).toHaveLength(40);
  }
});
