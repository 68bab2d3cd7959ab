/**
 * The pipelined commit path over a real database file and a real writer thread: results in
 * submission order with the row ids really stored, exact dedupe and gap records across
 * batches in flight, derived-table bodies committed in the batch's transaction in order,
 * commands of the write queue ordered after the batches submitted before them, a moved
 * high-water mark failing the batch without storing any of it, large batches decoded and
 * sent ahead in chunks yet committed whole (or not at all), and shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Batch } from '@vigil/proto';
import { createCommitPipeline, type CommitPipeline, type CommitResult } from '../src/ingest/pipeline.js';
import { DecoderCache } from '../src/ingest/decoder-cache.js';
import { BodyHandlers } from '../src/ingest/handlers.js';
import { WorkerWriteQueue } from '../src/store/writer/thread.js';
import { migrateTelemetry } from '../src/telemetry/schema.js';
import { encodeRows } from '../src/store/row-columns.js';
import { BucketTemplates } from '../src/store/field-templates.js';
import { openDatabase } from '../src/store/db.js';
import { line, tempDir, testCore } from './core-helpers.js';
import type { StoredEvent } from '../src/model.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

// A body whose handler updates a derived table inside the batch transaction (like metrics):
// a container_events row naming the event's id.
const derived: Array<{ id: number; seq: number }> = [];
const bodies = new BodyHandlers();
bodies.register('metrics', {
  kind: 'metric',
  toFields: (ev, agent) => ({ '@timestamp': new Date(ev.timeMs).toISOString(), message: 'sample', 'agent.name': agent }),
  derive: (stored) => {
    derived.push({ id: stored.id, seq: stored.seq });
    return [['telemetry.containerEvent', { eventId: stored.id, agent: stored.agent, containerId: 'c1', ts: 0, fields: '{}' }]];
  },
});
const metric = () => ({ timeMs: Date.now(), metrics: { samples: [{ name: 'cpu', value: 1 }] } });

function setup(decoders = new DecoderCache()) {
  const t = tempDir();
  const restarts: string[] = [];
  const c = testCore(t.dir, {}, Date.now, { onRestart: (reason) => restarts.push(reason) });
  migrateTelemetry(c.ctx.db);
  const writer = c.ctx.writer as WorkerWriteQueue;
  let commits = 0;
  const settled: number[] = []; // the backlog each time queued work has run
  const accepted: StoredEvent[] = [];
  const chunks: number[] = []; // rows per 'accepted' call
  const pipeline: CommitPipeline = createCommitPipeline({
    writer, reader: c.ctx.db, agents: c.core.agents, decoders, bodies, afterCommit: () => { commits++; },
    onSettled: () => settled.push(pipeline.backlog), onAccepted: (evs) => { accepted.push(...evs); chunks.push(evs.length); },
  });
  let closed = false;
  const close = async () => { if (!closed) { closed = true; await pipeline.close(); await writer.close(); } };
  cleanups.push(t.cleanup, c.close, close);
  // Hellos go through the write queue (the batches after them are ordered behind them).
  const ready = Promise.all(['web1', 'web2'].map((a) => c.core.agents.hello({ agentName: a, instanceId: `${a}-i1` }, Date.now())));
  ready.catch(() => undefined); // a test that kills the writer thread may lose them
  return { ...c, pipeline, close, commits: () => commits, writer, restarts, settled, accepted, chunks, ready };
}

type Outcome = { error: string | null; result?: CommitResult };

function submit(p: CommitPipeline, agent: string, batch: Batch, log: Array<{ agent: string; out: Outcome }>): Promise<Outcome> {
  return new Promise((resolve) => p.submit(agent, `${agent}-i1`, batch, Date.now(), 0, (err, result) => {
    const out = { error: err ? err.message : null, result };
    log.push({ agent, out });
    resolve(out);
  }));
}

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => line(i + from, `Nov 27 10:00:00 h sshd[1]: Failed password for u${i + from} from 10.0.0.${(i + from) % 250} port 22 ssh2`));

describe('commit pipeline (writer thread)', () => {
  it('answers in submission order with the ids stored, deduplicating and recording gaps exactly', async () => {
    const s = setup();
    const log: Array<{ agent: string; out: Outcome }> = [];
    const all = [
      submit(s.pipeline, 'web1', { firstSeq: 1, events: lines(50) }, log),
      submit(s.pipeline, 'web2', { firstSeq: 1, events: lines(30) }, log),
      submit(s.pipeline, 'web1', { firstSeq: 51, events: lines(50, 50) }, log),
      submit(s.pipeline, 'web1', { firstSeq: 26, events: lines(50, 25) }, log), // a resend of 26..75: all duplicates
      submit(s.pipeline, 'web1', { firstSeq: 111, events: lines(10, 110) }, log), // 101..110 never arrived
    ];
    const outs = await Promise.all(all);
    expect(outs.map((o) => o.error)).toEqual([null, null, null, null, null]);
    expect(log.map((l) => l.out)).toEqual(outs); // callbacks ran in submission order
    expect(outs.map((o) => o.result!.ack)).toEqual([50, 30, 100, 100, 120]);
    expect(outs.map((o) => o.result!.duplicates)).toEqual([0, 0, 0, 50, 0]);
    const gap = outs[4].result!.stored;
    expect(gap[0]).toMatchObject({ kind: 'loss', seq: 101 });
    const byId = new Map(s.accepted.map((e) => [e.id, e]));
    expect(byId.get(gap[0].id)!.fields['vigil.loss.dropped_events']).toBe(10);

    const ids = outs.flatMap((o) => o.result!.stored.map((e) => e.id));
    expect(ids.length).toBe(50 + 30 + 50 + 1 + 10);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    // What each callback named is exactly what the table holds, row for row.
    const rows = s.ctx.db.prepare('SELECT id, agent, seq, kind FROM events ORDER BY id').all();
    expect(rows).toEqual(outs.flatMap((o) => o.result!.stored.map((e) => ({ id: e.id, agent: e.agent, seq: e.seq, kind: e.kind }))));
    // The accepted listener got every row, in commit order, with the fields stored.
    expect(s.accepted.map((e) => e.id)).toEqual(ids);
    const stored = s.core.events.get(outs[2].result!.stored[3].id)!;
    expect(stored).toEqual(byId.get(stored.id));
    expect(s.core.agents.lastSeq('web1', 'web1-i1')).toBe(120);
    expect(s.core.agents.lastSeq('web2', 'web2-i1')).toBe(30);
    expect(s.core.events.count({ kind: 'log' })).toBe(140);
    expect(s.commits()).toBe(5);
  });

  it('commits a derived-table batch in its own transaction, in order with the others, keeping ids', async () => {
    const s = setup();
    derived.length = 0;
    const log: Array<{ agent: string; out: Outcome }> = [];
    const outs = await Promise.all([
      submit(s.pipeline, 'web1', { firstSeq: 1, events: lines(40) }, log),
      submit(s.pipeline, 'web1', { firstSeq: 41, events: [line(0, 'x'), metric(), line(1, 'y')] }, log),
      submit(s.pipeline, 'web1', { firstSeq: 44, events: lines(5, 44) }, log),
      submit(s.pipeline, 'web1', { firstSeq: 41, events: [line(0, 'x'), metric(), line(1, 'y')] }, log), // resent: duplicates
    ]);
    expect(outs.map((o) => o.error)).toEqual([null, null, null, null]);
    expect(outs.map((o) => o.result!.ack)).toEqual([40, 43, 48, 48]);
    expect(outs[3].result!.stored).toEqual([]);
    expect(derived.map((d) => d.seq)).toEqual([42]);
    const ids = outs.flatMap((o) => o.result!.stored.map((e) => e.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    expect(s.ctx.db.prepare('SELECT event_id FROM container_events').pluck().all()).toEqual([derived[0].id]);
    expect(s.ctx.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(48);
  });

  it('fails batches whose high-water mark moved behind their back, storing none of them', async () => {
    const s = setup();
    await s.ready;
    const log: Array<{ agent: string; out: Outcome }> = [];
    // Another connection holds the write lock, so the writer waits (busy_timeout) meanwhile.
    const other = openDatabase(s.ctx.db.name);
    cleanups.push(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    const first = submit(s.pipeline, 'web1', { firstSeq: 1, events: lines(20) }, log); // decided against mark 0
    const second = submit(s.pipeline, 'web1', { firstSeq: 21, events: lines(10, 20) }, log); // against 20
    other.prepare("UPDATE agent_instances SET last_seq = 5 WHERE agent = 'web1'").run();
    other.exec('COMMIT');
    expect((await first).error).toMatch(/high-water mark moved: expected 0, stored 5/);
    expect((await second).error).toMatch(/high-water mark moved: expected 20, stored 5/);
    expect(s.ctx.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
    // With nothing in flight the pipeline reads the stored mark again: 1..5 are duplicates.
    const again = await submit(s.pipeline, 'web1', { firstSeq: 1, events: lines(30) }, log);
    expect(again.result).toMatchObject({ ack: 30, duplicates: 5 });
    expect(again.result!.stored.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    expect(s.core.agents.lastSeq('web1', 'web1-i1')).toBe(30);
  });

  it('on close, lets batches with the writer commit and refuses new ones', async () => {
    const s = setup();
    const log: Array<{ agent: string; out: Outcome }> = [];
    const pending = submit(s.pipeline, 'web2', { firstSeq: 1, events: lines(500) }, log);
    await s.close();
    expect((await pending).error).toBeNull();
    expect(s.ctx.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(500);
    expect(s.core.agents.lastSeq('web2', 'web2-i1')).toBe(500);
    const late = await submit(s.pipeline, 'web2', { firstSeq: 501, events: lines(1) }, log);
    expect(late.error).toMatch(/shutting down/);
  });

  it('runs commands sent after batches after their commits, in order, while batches go on', async () => {
    const s = setup();
    const log: Array<{ agent: string; out: Outcome }> = [];
    const order: string[] = [];
    const beat = (name: string) => s.writer.run('agents.heartbeat', { name: 'web1', now: Date.now(), skew: null, lines: null, bytes: null, drops: null, trunc: null, stats: `{"x":"${name}"}` })
      .then(() => { order.push(name); });
    await beat('first'); // idle: runs at once
    expect(order).toEqual(['first']);
    const batches = [1, 501, 1001].map((first) => submit(s.pipeline, 'web1', { firstSeq: first, events: lines(500, first - 1) }, log));
    let ranWith: number | undefined;
    const ran = beat('second').then(() => {
      // It committed after the three batches submitted before it (the one after may have too).
      ranWith = (s.ctx.db.prepare('SELECT count(*) FROM events').pluck().get() as number);
    });
    const third = beat('third');
    const after = submit(s.pipeline, 'web1', { firstSeq: 1501, events: lines(10, 1500) }, log);
    await Promise.all([...batches, ran, third, after]);
    expect([1000, 1500, 1510]).toContain(ranWith);
    expect(order).toEqual(['first', 'second', 'third']);
    expect(s.ctx.db.prepare("SELECT stats FROM agents WHERE name = 'web1'").pluck().get()).toBe('{"x":"third"}');
    expect(log.every((l) => l.out.error === null)).toBe(true);
    expect(log.map((l) => l.out.result!.ack)).toEqual([500, 1000, 1500, 1510]);
  });

  it('a command does not wait long behind a steady stream of batches', async () => {
    const s = setup();
    const log: Array<{ agent: string; out: Outcome }> = [];
    let first = 1;
    const stream: Array<Promise<unknown>> = [];
    const send = () => { stream.push(submit(s.pipeline, 'web1', { firstSeq: first, events: lines(2000, first - 1) }, log)); first += 2000; };
    for (let i = 0; i < 4; i++) send();
    let ranAt = 0;
    const queuedAt = Date.now();
    void s.writer.run('agents.disconnect', { name: 'web2', now: queuedAt }).then(() => { ranAt = Date.now(); });
    // Keep the writer busy: the command waits only for the batches submitted before it.
    while (ranAt === 0 && Date.now() - queuedAt < 10_000) { send(); await stream[stream.length - 3]; }
    await Promise.all(stream);
    expect(ranAt).toBeGreaterThan(0);
    expect(ranAt - queuedAt).toBeLessThan(5000); // bounded by the batches ahead of it, not by the stream
    expect(log.every((l) => l.out.error === null)).toBe(true);
    expect(s.ctx.db.prepare("SELECT count(*) FROM events WHERE kind = 'log'").pluck().get()).toBe(first - 1);
  });

  it('runs a command at once when idle, and still runs what was sent before close', async () => {
    const s = setup();
    let now = 0;
    const bump = () => s.writer.run('agents.disconnect', { name: 'web2', now: Date.now() }).then(() => { now++; });
    await bump();
    expect(now).toBe(1);
    const log: Array<{ agent: string; out: Outcome }> = [];
    const pending = submit(s.pipeline, 'web2', { firstSeq: 1, events: lines(300) }, log);
    void bump();
    await s.close();
    expect((await pending).error).toBeNull();
    expect(now).toBe(2);
  });

  it('a writer thread that dies fails the batches it held; a new one takes over and a resend stores each line once', async () => {
    const s = setup();
    const log: Array<{ agent: string; out: Outcome }> = [];
    expect((await submit(s.pipeline, 'web1', { firstSeq: 1, events: lines(100) }, log)).error).toBeNull();
    const held = submit(s.pipeline, 'web1', { firstSeq: 101, events: lines(2000, 100) }, log);
    // The thread is killed while it holds the batch (committed or not: the answer is lost).
    await (s.writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect((await held).error).toMatch(/event writer stopped/);
    expect(s.restarts).toEqual(['event writer stopped']);
    // The agent resends from its last ack: 101.. again, then more.
    const again = await submit(s.pipeline, 'web1', { firstSeq: 101, events: lines(2000, 100) }, log);
    expect(again.error).toBeNull();
    const more = await submit(s.pipeline, 'web1', { firstSeq: 2101, events: lines(10, 2100) }, log);
    expect(more.result!.ack).toBe(2110);
    const stored = s.ctx.db.prepare("SELECT seq FROM events WHERE kind = 'log' ORDER BY seq").pluck().all() as number[];
    expect(stored).toEqual(Array.from({ length: 2110 }, (_, i) => i + 1));
  });

  it('a writer that cannot start stops restarting after 5 tries in a minute and says why', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const restarts: string[] = [];
    const w = new WorkerWriteQueue(t.dir, { onRestart: (r) => restarts.push(r) }); // a folder: SQLite cannot open it
    const job = { agent: 'a', instance: null, expect: 0, ack: 0, lag: null, now: 0, values: [], totals: [], templates: [], keys: [], spans: [], seal: 0, derived: [] };
    let answer = '';
    for (let i = 0; i < 200 && !/not restarting/.test(answer); i++) {
      await new Promise((r) => setTimeout(r, 25));
      answer = await w.run('events.batch', job).then(() => '', (e: Error) => e.message);
    }
    expect(answer).toMatch(/event writer (failed|stopped).*\(5 restarts within a minute; not restarting\)/);
    expect(restarts).toHaveLength(5);
    await w.close();
  });

  it('decodes a large batch in chunks, accepted in order before the commit, and commits it as one transaction', async () => {
    const s = setup();
    let answered = false;
    s.pipeline.submit('web1', 'web1-i1', { firstSeq: 1, events: lines(1000) }, Date.now(), 0, () => { answered = true; });
    // Everything was accepted synchronously, in order, chunk by chunk, before any answer.
    expect(answered).toBe(false);
    expect(s.accepted.map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(s.chunks.length).toBeGreaterThan(3);
    expect(Math.max(...s.chunks)).toBeLessThanOrEqual(256);
    const done = await submit(s.pipeline, 'web1', { firstSeq: 1001, events: lines(5, 1000) }, []);
    expect(done.error).toBeNull();
    expect(answered).toBe(true);
    expect(s.commits()).toBe(2); // one transaction per batch, however many chunks
    expect(s.core.events.count({ kind: 'log' })).toBe(1005);
    const rows = s.ctx.db.prepare("SELECT seq FROM events WHERE kind = 'log' ORDER BY id").pluck().all();
    expect(rows).toEqual(Array.from({ length: 1005 }, (_, i) => i + 1));
    // Every row has its own line's values (the chunks share one column array, refilled).
    const users = s.core.events.query({ kind: 'log' }, 1005).events.map((e) => [e.seq, e.fields['user.name'], e.fields['log.offset']]);
    expect(users.reverse()).toEqual(Array.from({ length: 1005 }, (_, i) => [i + 1, `u${i}`, i]));
  });

  it('a batch that fails halfway through decoding stores nothing, and what it sent ahead is dropped', async () => {
    // A decoder bug on one line (decoders never throw; this stands for a bug).
    class Failing extends DecoderCache {
      override get(agent: string, path: string, type: string) {
        const d = super.get(agent, path, type);
        return { ...d, decode: (text: string, c: Parameters<typeof d.decode>[1]) => {
          if (text.includes('BOOM')) throw new Error('decoder bug');
          return d.decode(text, c);
        } };
      }
    }
    const s = setup(new Failing());
    const bad = lines(1000);
    bad[700] = line(700, 'Nov 27 10:00:00 h sshd[1]: BOOM');
    const out = await submit(s.pipeline, 'web1', { firstSeq: 1, events: bad }, []);
    expect(out.error).toMatch(/decoder bug/);
    expect(s.accepted.length).toBeGreaterThan(0); // chunks before the bad line went ahead
    // The agent resends without the bad line: each line stored once, none of the failed batch.
    const again = await submit(s.pipeline, 'web1', { firstSeq: 1, events: lines(300) }, []);
    expect(again.error).toBeNull();
    expect(s.ctx.db.prepare("SELECT seq FROM events WHERE kind = 'log' ORDER BY id").pluck().all())
      .toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(s.commits()).toBe(1);
  });

  it('a job whose rows sent ahead were lost with a writer thread fails whole', async () => {
    const s = setup();
    const row = (seq: number) => ({ agent: 'web1', seq, kind: 'log' as const, ingested: Date.now(), timeMs: Date.now(), fields: { message: `m${seq}` } });
    const slot = s.writer.reserve();
    slot.part(encodeRows([row(1), row(2)], [1, 2], new BucketTemplates()).values);
    await (s.writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    for (let i = 0; i < 100 && s.restarts.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.restarts).toEqual(['event writer stopped']); // a new thread took over
    const { values, totals } = encodeRows([row(3)], [3], new BucketTemplates());
    const answer = await slot.run('events.batch',
      { agent: 'web1', instance: null, expect: 0, ack: 0, lag: null, now: Date.now(), values, totals, templates: [], keys: [], spans: [], seal: 0, derived: [] }).then(() => null, (e: Error) => e.message);
    expect(answer).toMatch(/rows of the batch went missing \(0 of 1 parts arrived\)/);
    expect(s.core.events.count({})).toBe(0);
  });

  it('reports the backlog as it shrinks, derived-table batches included (ingest resumes reading sockets on it)', async () => {
    const s = setup();
    const log: Array<{ agent: string; out: Outcome }> = [];
    const all = [
      submit(s.pipeline, 'web1', { firstSeq: 1, events: lines(300) }, log),
      submit(s.pipeline, 'web1', { firstSeq: 301, events: lines(300, 300) }, log),
      submit(s.pipeline, 'web1', { firstSeq: 601, events: lines(300, 600) }, log),
      submit(s.pipeline, 'web1', { firstSeq: 901, events: [metric()] }, log), // derived tables, last
    ];
    expect(s.pipeline.backlog).toBe(2); // two with the writer, two waiting
    await Promise.all(all);
    expect(log.every((l) => l.out.error === null)).toBe(true);
    expect(s.settled.at(-1)).toBe(0); // the last commit was followed by a report
    expect(s.settled).toContain(1);
  });
});
