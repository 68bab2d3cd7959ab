/**
 * The ordered commit pipeline: each agent batch (and each audit record) takes its place in
 * the store's write queue when it is submitted, so whatever is sent after it (alerts from
 * rules that saw its accepted events) commits after it. Batches are decoded in order (in
 * chunks, each accepted and sent ahead at once) against the high-water mark they will
 * meet, get row ids from a counter (the only writer of events) and go to the writer as one
 * `events.batch` command, while the next ones decode (at most MAX_AHEAD with the writer).
 * Answers keep order.
 */
import type { Batch } from '@vigil/proto';
import type { CommittedEvent } from '../model.js';
import type { DB } from '../store/db.js';
import type { NewEvent } from '../store/events.js';
import type { AgentRegistry } from '../store/agents.js';
import type { Slot, WriteQueue } from '../store/writer/queue.js';
import type { DecoderCache } from './decoder-cache.js';
import type { BodyHandlers } from './handlers.js';
import { batchChunks, lagMs } from './batch-rows.js';
import { BucketTemplates } from '../store/field-templates.js';
import { NEXT_ID_SQL } from '../store/event-keys.js';
import { JobRows, type AcceptedListener } from './job-rows.js';

/** Batches handed to the writer before the next one waits in this queue undecoded. */
const MAX_AHEAD = 2;

/**
 * Rows of a batch decoded, accepted and sent ahead to the writer at a time: a 1 MiB batch
 * holds about 7000 lines, whose decoded fields would otherwise outlive several young-
 * generation collections and be copied into the old one (twice the GC work).
 */
const CHUNK_ROWS = 256;

export interface CommitResult { stored: CommittedEvent[]; ack: number; duplicates: number }
export type CommitDone = (error: Error | null, result?: CommitResult) => void;

interface Job {
  slot: Slot; agent: string; now: number; done: CommitDone;
  /** An agent batch, or rows outside any sequence (audit records). */
  batch?: { instance: string; batch: Batch; skewMs: number };
  rows?: NewEvent[];
}

/** The mark of an instance with batches in flight, as it will be once they commit. */
interface Mark { key: string; hwm: number; inflight: number }

export interface CommitPipeline {
  /** Commits an agent batch after everything sent to the write queue before it; `done` gets the result. */
  submit(agent: string, instance: string, batch: Batch, now: number, skewMs: number, done: CommitDone): void;
  /** Stores rows outside any agent sequence (audit records), in the same order. */
  insert(rows: NewEvent[], now: number, done: (error: Error | null, stored?: CommittedEvent[]) => void): void;
  /** Batches waiting to be decoded behind the writer; ingest stops reading sockets above a bound. */
  readonly backlog: number;
  /** Refuses new work, fails what has not reached the writer, lets the rest commit (the write queue stays open). */
  close(): Promise<void>;
}

export interface PipelineDeps {
  writer: WriteQueue;
  /** A connection to read the stored marks and the highest row id from. */
  reader: DB;
  agents: AgentRegistry;
  decoders: DecoderCache;
  bodies: BodyHandlers;
  /** The store's template encoder (EventStore.templates); a pipeline of its own when not given. */
  templates?: BucketTemplates;
  afterCommit?(): void;
  /** Gets every event the pipeline stores, in commit order, before its commit. */
  onAccepted?: AcceptedListener;
  /** Called after queued work ran (the backlog may have shrunk). */
  onSettled?(): void;
}

export function createCommitPipeline(deps: PipelineDeps): CommitPipeline {
  const { writer, agents, decoders, bodies } = deps;
  const templates = deps.templates ?? new BucketTemplates();
  let nextId = deps.reader.prepare(NEXT_ID_SQL).pluck().get() as number; // never an id given before, also after retention emptied the table
  const marks = new Map<string, Mark>();
  const queue: Job[] = []; // places taken, not decoded yet
  let ahead = 0; // jobs with the writer
  let drained: (() => void) | undefined;
  let closed = false;

  const finish = (done: () => void) => {
    try { done(); } catch { /* the caller's callback must not stop the pipeline */ }
  };
  const takeId = () => nextId++;

  const send = (j: Job, instance: string | null, mark: Mark | undefined, rows: JobRows, extra: { ack: number; expect: number; lag: number | null },
    done: (error: string | null, stored: CommittedEvent[]) => void) => {
    const { values, totals, keys, spans, seal } = rows.finish();
    const committed = rows.committed;
    if (mark) mark.inflight++;
    ahead++;
    j.slot.run('events.batch', { agent: j.agent, instance, ...extra, now: j.now, values, totals, templates: rows.templates, keys, spans, seal, derived: rows.derived })
      .then(() => null, (err: Error) => err.message)
      .then((error) => {
        ahead--;
        if (mark && --mark.inflight === 0) marks.delete(mark.key);
        if (!error) deps.afterCommit?.();
        done(error, committed);
        if (ahead === 0) drained?.();
        pump();
      });
  };

  const post = (j: Job) => {
    const rows = new JobRows(j.slot, templates, takeId, deps.onAccepted);
    if (j.rows) {
      try { rows.add(j.rows); } catch (err) { rows.abort(); return finish(() => j.done(err as Error)); }
      const done = j.done;
      return send(j, null, undefined, rows, { ack: 0, expect: 0, lag: null },
        (error, stored) => finish(() => (error ? done(new Error(error)) : done(null, { stored, ack: 0, duplicates: 0 }))));
    }
    const b = j.batch!;
    const key = `${j.agent}\0${b.instance}`;
    let mark = marks.get(key);
    if (!mark) { mark = { key, hwm: agents.lastSeq(j.agent, b.instance), inflight: 0 }; marks.set(key, mark); }
    const expect = mark.hwm;
    let r;
    try {
      r = batchChunks(j.agent, b.batch, expect, j.now, decoders, bodies, CHUNK_ROWS, (chunk, handlers, events) => rows.add(chunk, handlers, events));
    } catch (err) {
      rows.abort();
      if (mark.inflight === 0) marks.delete(key);
      return finish(() => j.done(err as Error));
    }
    mark.hwm = r.ack;
    send(j, b.instance, mark, rows, { ack: r.ack, expect, lag: lagMs(r, j.now, b.skewMs) }, answer(j.done, r.ack, r.duplicates));
  };

  // Made outside post(), so the callback holds only what the answer needs: the wire batch
  // and the decoded rows die young instead of living until the commit.
  const answer = (done: CommitDone, ack: number, duplicates: number) => (error: string | null, stored: CommittedEvent[]) =>
    finish(() => (error ? done(new Error(error)) : done(null, { stored, ack, duplicates })));

  /** Decodes batches in order while fewer than MAX_AHEAD are with the writer: decoding overlaps a commit, and little decoded data waits. */
  const pump = () => {
    while (queue.length > 0 && ahead < MAX_AHEAD) post(queue.shift()!);
    deps.onSettled?.(); // the backlog only shrinks here: let ingest read its sockets again
  };

  const enqueue = (j: Omit<Job, 'slot'>) => {
    queue.push({ ...j, slot: writer.reserve() });
    pump();
  };

  return {
    get backlog() { return queue.length; },
    submit(agent, instance, batch, now, skewMs, done) {
      if (closed) return finish(() => done(new Error('collector shutting down')));
      enqueue({ agent, now, done, batch: { instance, batch, skewMs } });
    },
    insert(rows, now, done) {
      if (closed) return finish(() => done(new Error('collector shutting down')));
      enqueue({ agent: rows[0]?.agent ?? '', now, rows, done: (err, r) => done(err, r?.stored) });
    },
    async close() {
      closed = true;
      for (const j of queue.splice(0)) {
        j.slot.cancel();
        finish(() => j.done(new Error('collector shutting down')));
      }
      if (ahead > 0) await new Promise<void>((r) => { drained = r; });
    },
  };
}
