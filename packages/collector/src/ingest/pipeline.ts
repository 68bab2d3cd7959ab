/**
 * The ordered commit pipeline: batches are decoded (in chunks, each accepted and sent
 * ahead at once) against the high-water mark they will meet, get row ids from a counter
 * (the only writer of events) and go to the writer thread, which commits them in order
 * while the next ones decode. This thread's own writes (exclusive) run when the writer is
 * idle or parked at a barrier, derived-table batches once it is idle. Answers keep order.
 */
import { eventBody, type Batch } from '@vigil/proto';
import type { CommittedEvent, StoredEvent } from '../model.js';
import type { NewEvent } from '../store/events.js';
import type { EventWriter } from '../store/event-writer.js';
import { createBatchCommitter, type CommitDeps, type CommitResult, type InlineResult } from './commit.js';
import { batchChunks, lagMs, type BatchSummary } from './batch-rows.js';
import { bodyHandler } from './handlers.js';
import { JobRows, type AcceptedListener } from './job-rows.js';

/** Jobs handed to the writer thread before the next one waits in this queue. */
const MAX_AHEAD = 2;

/**
 * Rows of a batch decoded, accepted and sent ahead to the writer at a time: a 1 MiB batch
 * holds about 7000 lines, whose decoded fields would otherwise outlive several young-
 * generation collections and be copied into the old one (twice the GC work).
 */
const CHUNK_ROWS = 256;

export type CommitDone = (error: Error | null, result?: CommitResult) => void;

interface Job {
  agent: string; instance: string; batch: Batch; now: number; skewMs: number; done: CommitDone;
  /** Some body updates derived tables: commits inline once the writer is idle (decided once). */
  inline: boolean;
}

/** Work of this thread's own connection that must not wait for the writer's lock. */
interface Exclusive { exclusive: () => void; since: number }

/**
 * How long exclusive work may let batches behind it go first while the writer is busy,
 * so that alert writes after every commit do not stop the writer each time: within this,
 * they wait for a moment the writer is idle anyway; past it, for a barrier.
 */
const EXCLUSIVE_DEFER_MS = 400;

/** The mark of an instance with batches in flight, as it will be once they commit. */
interface Mark { key: string; hwm: number; inflight: number }

export interface CommitPipeline {
  /** Commits an agent batch after every batch submitted before it; `done` gets the result. */
  submit(agent: string, instance: string, batch: Batch, now: number, skewMs: number, done: CommitDone): void;
  /** Stores rows outside any agent sequence (audit records), in the same order. */
  insert(rows: NewEvent[], done: (error: Error | null, stored?: CommittedEvent[]) => void): void;
  /**
   * Runs `fn` (writes on this thread's connection) when the writer thread is idle or parked
   * between two transactions, so it never waits on the write lock: after the commits in
   * flight, in order with other exclusive work. Batches queued behind it may go first for up
   * to EXCLUSIVE_DEFER_MS while the writer stays busy.
   */
  exclusive(fn: () => void): void;
  /** Batches waiting to be decoded behind the writer; ingest stops reading sockets above a bound. */
  readonly backlog: number;
  /** Refuses new work, fails what has not reached the writer, lets the rest commit, stops the writer. */
  close(): Promise<void>;
}

const isBatch = (q: Job | Exclusive): q is Job => !('exclusive' in q);
const isBatchOrFn = (q: Job | Exclusive | (() => void)): boolean => typeof q === 'function' || isBatch(q);

/** True when some body of the batch updates derived tables through its handler. */
function needsInline(batch: Batch): boolean {
  for (const ev of batch.events ?? []) {
    if (ev.line) continue;
    const body = eventBody(ev);
    if (body && body !== 'loss' && bodyHandler(body)?.afterInsert) return true;
  }
  return false;
}

export function createCommitPipeline(deps: CommitDeps & {
  writer?: EventWriter; afterCommit?(): void;
  /** Gets every event the pipeline stores, in commit order, before its commit (writer) or right after it (inline). */
  onAccepted?: AcceptedListener;
  /** Called after queued work ran (the backlog may have shrunk). */
  onSettled?(): void;
}): CommitPipeline {
  const { db, agents, decoders, writer } = deps;
  const inline = createBatchCommitter(deps);
  const maxId = db.prepare('SELECT max(id) FROM events').pluck();
  let nextId = ((maxId.get() as number | null) ?? 0) + 1;
  const marks = new Map<string, Mark>();
  const queue: Array<Job | Exclusive | (() => void)> = []; // waiting for the writer
  let closed = false;

  const finish = (done: () => void) => {
    try { done(); } catch { /* the caller's callback must not stop the pipeline */ }
  };

  const commitInline = (j: Job) => {
    let result: InlineResult;
    try {
      result = inline(j.agent, j.instance, j.batch, j.now, j.skewMs);
    } catch (err) { return finish(() => j.done(err as Error)); }
    for (const s of result.stored) if (s.id >= nextId) nextId = s.id + 1;
    if (result.stored.length > 0) deps.onAccepted?.(result.stored);
    deps.afterCommit?.();
    finish(() => j.done(null, result));
  };

  const takeId = () => nextId++;
  const jobRows = () => new JobRows(writer!, deps.events.templates, takeId, deps.onAccepted);

  const send = (agent: string, instance: string | null, mark: Mark | undefined, rows: JobRows, extra: { ack: number; expect: number; lag: number | null; now: number },
    done: (error: string | null, stored: CommittedEvent[]) => void) => {
    const { values, totals, keys, spans, seal } = rows.finish();
    const committed = rows.committed;
    if (mark) mark.inflight++;
    writer!.write({ agent, instance, ...extra, values, totals, templates: rows.templates, keys, spans, seal }, (error) => {
      if (mark && --mark.inflight === 0) marks.delete(mark.key);
      if (!error) deps.afterCommit?.();
      done(error, committed);
      pump();
    });
  };

  const post = (j: Job) => {
    const key = `${j.agent}\0${j.instance}`;
    let mark = marks.get(key);
    if (!mark) { mark = { key, hwm: agents.lastSeq(j.agent, j.instance), inflight: 0 }; marks.set(key, mark); }
    const expect = mark.hwm;
    const rows = jobRows();
    let r: BatchSummary;
    try {
      r = batchChunks(j.agent, j.batch, expect, j.now, decoders, CHUNK_ROWS, (chunk) => rows.add(chunk));
    } catch (err) {
      rows.abort();
      if (mark.inflight === 0) marks.delete(key);
      return finish(() => j.done(err as Error));
    }
    mark.hwm = r.ack;
    send(j.agent, j.instance, mark, rows, { ack: r.ack, expect, lag: lagMs(r, j.now, j.skewMs), now: j.now }, answer(j.done, r.ack, r.duplicates));
  };

  // Made outside post(), so the callback holds only what the answer needs: the wire batch
  // and the decoded rows die young instead of living until the commit.
  const answer = (done: CommitDone, ack: number, duplicates: number) => (error: string | null, stored: CommittedEvent[]) =>
    finish(() => (error ? done(new Error(error)) : done(null, { stored, ack, duplicates })));

  /** How many exclusive items lead the queue. */
  const leadingExclusive = () => {
    let i = 0;
    while (i < queue.length && !isBatchOrFn(queue[i])) i++;
    return i;
  };

  /** Runs queued work in order until an inline batch must wait for the writer to go idle. */
  const pump = () => {
    drain();
    deps.onSettled?.(); // the backlog only shrinks in drain(): let ingest read its sockets again
  };
  const drain = () => {
    while (queue.length > 0) {
      const next = queue[0];
      if (typeof next === 'function') { queue.shift(); next(); continue; }
      if ('exclusive' in next) {
        const n = leadingExclusive();
        if (writer!.pending === 0 || Date.now() - next.since >= EXCLUSIVE_DEFER_MS) {
          // Between two commits: the writer parks at one barrier while all the exclusive work
          // waiting runs, in order; batches go on behind it.
          const due = (queue.splice(0, n) as Exclusive[]).map((x) => x.exclusive);
          writer!.barrier(() => { for (const fn of due) finish(fn); });
          continue;
        }
        const later = queue[n];
        if (later === undefined || typeof later === 'function' || !isBatch(later) || later.inline || writer!.batches >= MAX_AHEAD) return;
        queue.splice(n, 1); post(later); // nothing of the exclusive work depends on it
        continue;
      }
      if (next.inline) {
        if (writer!.pending > 0) return;
        queue.shift();
        commitInline(next);
      } else {
        // Decode a batch only when fewer than MAX_AHEAD are with the writer: decoding overlaps
        // a commit, and little decoded data waits (it would only age into the old generation).
        if (writer!.batches >= MAX_AHEAD) return;
        queue.shift(); post(next);
      }
    }
  };

  return {
    get backlog() {
      let n = 0;
      for (const q of queue) if (typeof q !== 'function' && isBatch(q)) n++;
      return n;
    },
    submit(agent, instance, batch, now, skewMs, done) {
      if (closed) return finish(() => done(new Error('collector shutting down')));
      const j: Job = { agent, instance, batch, now, skewMs, done, inline: !writer || needsInline(batch) };
      if (!writer) return commitInline(j);
      queue.push(j);
      pump();
    },
    insert(rows, done) {
      if (closed) return finish(() => done(new Error('collector shutting down')));
      if (!writer) {
        let stored: StoredEvent[];
        try { stored = db.transaction(() => deps.events.insertBatch(rows)).immediate(); } catch (err) { return finish(() => done(err as Error)); }
        if (stored.length > 0) deps.onAccepted?.(stored);
        return finish(() => done(null, stored));
      }
      const now = Date.now();
      queue.push(() => {
        const job = jobRows();
        job.add(rows);
        send(rows[0]?.agent ?? '', null, undefined, job, { ack: 0, expect: 0, lag: null, now },
          (error, stored) => finish(() => (error ? done(new Error(error)) : done(null, stored))));
      });
      pump();
    },
    exclusive(fn) {
      if (!writer || (queue.length === 0 && writer.pending === 0)) return finish(fn);
      // Ahead of batches not yet handed to the writer (they are not committed, nothing of
      // theirs can depend on it), behind earlier exclusive work: it waits for at most the
      // commits already in flight.
      queue.splice(leadingExclusive(), 0, { exclusive: fn, since: Date.now() });
      pump();
    },
    async close() {
      closed = true;
      const left: Array<() => void> = [];
      for (const j of queue.splice(0)) {
        if (typeof j === 'function') continue;
        if ('exclusive' in j) left.push(j.exclusive);
        else finish(() => j.done(new Error('collector shutting down')));
      }
      await writer?.close();
      for (const fn of left) finish(fn); // the writer is gone: nothing holds the lock
    },
  };
}
