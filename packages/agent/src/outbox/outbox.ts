/**
 * The agent's durable queue. emit() stores a call's events as ONE row of pre-encoded
 * fragments plus the source's checkpoints in one transaction, numbering events with
 * contiguous sequences. Beyond max_bytes the oldest rows are dropped, counted, and
 * reported by a DataLoss event (at most one a second). read() hands the transport
 * contiguous runs of fragments; ack() deletes rows the collector has committed.
 * A full (or failing) state disk never throws out of ack/resume: the outbox stalls (stall.ts), refuses
 * emits (DiskFullError) while room() holds the sources, retries with backoff (acked rows
 * first, then a WAL truncation, then the stall's DataLoss report) and resumes on its own.
 */
import { decodeAgentFrame, encodeBatchFrame, encodeEventsFragment } from '@vigil/proto';
import type { Event, Logger } from '@vigil/proto';
import { Backoff } from '../util/backoff.js';
import { openOutboxDb } from './db.js';
import type { Db } from './db.js';
import { offsetOfEvent, takeEvents } from './fragment.js';
import { classifyWriteError, DiskFullError, freeBytes, Stall, stallName } from './stall.js';

export interface OutboxOptions {
  maxBytes: number;
  /** room() waits while the queued bytes are at or above this (default 90% of maxBytes). */
  softBytes?: number;
  now?: () => number;
  log?: Logger;
  /** Retry delays while the state disk is full (default 100 ms .. 5 s, exponential). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface OutboxRun { firstSeq: number; count: number; bytes: number; fragments: Uint8Array[] }

export interface OutboxStats {
  linesRead: number; bytesRead: number; linesTruncated: number; eventsDropped: number;
  outboxBytes: number; outboxEvents: number; ackedSeq: number;
  /** Agent clock when the state disk filled (0 while writable), and writes refused since start. */
  diskFullSinceMs: number; writesRefused: number;
}

const LOSS_INTERVAL_MS = 1000;
type RowHead = { first_seq: number; count: number; bytes: number; loss?: number };

export class Outbox {
  readonly instanceId: string;
  /** Called after each commit that added events (the transport's wake-up). */
  onAppend: (() => void) | undefined;
  private readonly db: Db;
  private readonly maxBytes: number;
  private readonly softBytes: number;
  private readonly now: () => number;
  private readonly cps = new Map<string, string>();
  private readonly m: Record<string, number> = {};
  private totalBytes = 0;
  private totalEvents = 0;
  private lastLossAt = 0;
  private lossTimer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private counters = { linesRead: 0, bytesRead: 0, linesTruncated: 0 };
  private readonly q;
  private closed = false;
  private readonly log: Logger | undefined;
  /** Set while the state disk is full; cleared by the first write that succeeds again. */
  private stall: Stall | undefined;
  private writesRefused = 0;
  private readonly retryBackoff: Backoff;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Highest seq acked whose rows could not be deleted yet (disk full); retried. */
  private ackPending = 0;

  constructor(private readonly stateDir: string, opts: OutboxOptions) {
    const { db, meta } = openOutboxDb(stateDir, opts.log);
    this.log = opts.log;
    this.retryBackoff = new Backoff(opts.retryMinMs ?? 100, opts.retryMaxMs ?? 5000);
    this.db = db;
    this.instanceId = String(meta.get('instance_id'));
    for (const [k, v] of meta) if (k !== 'instance_id') this.m[k] = Number(v);
    this.maxBytes = opts.maxBytes;
    this.softBytes = opts.softBytes ?? Math.floor(opts.maxBytes * 0.9);
    this.now = opts.now ?? Date.now;
    for (const r of db.prepare('SELECT key, value FROM checkpoints').all() as Array<{ key: string; value: string }>) {
      this.cps.set(r.key, r.value);
    }
    const sums = db.prepare('SELECT coalesce(sum(bytes), 0) AS b, coalesce(sum(count), 0) AS n FROM rows').get() as { b: number; n: number };
    this.totalBytes = sums.b;
    this.totalEvents = sums.n;
    this.q = {
      insert: db.prepare('INSERT INTO rows (first_seq, count, bytes, blob, loss) VALUES (?, ?, ?, ?, ?)'),
      blobOf: db.prepare('SELECT blob FROM rows WHERE first_seq = ?').pluck(),
      setCp: db.prepare('INSERT INTO checkpoints (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      delCp: db.prepare('DELETE FROM checkpoints WHERE key = ?'),
      setMeta: db.prepare('UPDATE meta SET value = ? WHERE key = ?'),
      oldestAfter: db.prepare('SELECT first_seq, count, bytes, loss FROM rows WHERE first_seq > ? ORDER BY first_seq LIMIT 1'),
      delRow: db.prepare('DELETE FROM rows WHERE first_seq = ?'),
      ackRows: db.prepare('DELETE FROM rows WHERE first_seq <= ? AND first_seq + count - 1 <= ? RETURNING count, bytes'),
      runFrom: db.prepare(`SELECT first_seq, count, bytes FROM rows
        WHERE first_seq >= (SELECT coalesce(max(first_seq), 0) FROM rows WHERE first_seq <= ?)
        ORDER BY first_seq LIMIT 64`),
    };
    if (this.m.loss_events > 0) this.scheduleLoss();
  }

  get nextSeq(): number { return this.m.next_seq; }
  get ackedSeq(): number { return this.m.acked_seq; }
  get bytes(): number { return this.totalBytes; }
  /** True while writes are refused for want of space on the state disk. */
  get diskFull(): boolean { return this.stall !== undefined; }

  private setMeta(key: string, value: number): void {
    if (this.m[key] === value) return;
    this.m[key] = value;
    this.q.setMeta.run(value, key);
  }

  /** Appends events and applies checkpoints in one transaction (SourceContext.emit). */
  emit(events: Event[], checkpoints?: Record<string, string | null>): void {
    if (this.closed) throw new Error('outbox is closed');
    if (this.stall) {
      const bytes = checkpoints || events.length === 0 ? 0 : encodeEventsFragment(events).length;
      this.stall.refuse(events.length, bytes, checkpoints !== undefined);
      this.writesRefused++;
      throw new DiskFullError(undefined, this.stall.kind);
    }
    const blob = events.length > 0 ? encodeEventsFragment(events) : undefined;
    try {
      this.tx(() => {
        if (blob) this.append(events.length, blob);
        if (checkpoints) {
          for (const [k, v] of Object.entries(checkpoints)) {
            if (v === null) this.q.delCp.run(k); else this.q.setCp.run(k, v);
          }
        }
        if (blob) this.enforceBound();
      });
    } catch (err) {
      const kind = this.classify(err);
      if (!kind) throw err;
      this.enterStall(err, kind);
      this.stall!.refuse(events.length, blob?.length ?? 0, checkpoints !== undefined);
      this.writesRefused++;
      throw new DiskFullError(err, this.stall!.kind);
    }
    for (const ev of events) {
      const line = ev.line;
      if (!line) continue;
      this.counters.linesRead++;
      this.counters.bytesRead += (line.truncated && line.originalLength ? line.originalLength : Buffer.byteLength(line.text)) + 1;
      if (line.truncated) this.counters.linesTruncated++;
    }
    if (checkpoints) {
      for (const [k, v] of Object.entries(checkpoints)) {
        if (v === null) this.cps.delete(k); else this.cps.set(k, v);
      }
    }
    if (blob) this.onAppend?.();
  }

  private tx(fn: () => void): void {
    const saved = { ...this.m };
    const before = [this.totalBytes, this.totalEvents];
    try {
      this.db.transaction(fn)();
    } catch (err) {
      Object.assign(this.m, saved);
      [this.totalBytes, this.totalEvents] = before;
      throw err;
    }
  }

  private append(count: number, blob: Uint8Array, loss = 0): void {
    const seq = this.m.next_seq;
    this.q.insert.run(seq, count, blob.length, blob, loss);
    this.setMeta('next_seq', seq + count);
    this.totalBytes += blob.length;
    this.totalEvents += count;
  }

  /**
   * Highest sequence handed to the network in the current session (set by the transport,
   * 0 when disconnected). Rows up to it are in flight: they may already be stored, so they
   * are never dropped; the outbox may exceed max_bytes by at most the transport's window.
   */
  sentUpTo = 0;

  /** Drops the oldest rows not in flight (never the newest) while over max_bytes, counting the loss. */
  private enforceBound(): void {
    while (this.totalBytes > this.maxBytes) {
      const row = this.q.oldestAfter.get(this.sentUpTo) as RowHead | undefined;
      if (!row || row.first_seq + row.count >= this.m.next_seq) break;
      const lossBlob = row.loss ? this.q.blobOf.get(row.first_seq) as Buffer : undefined;
      this.q.delRow.run(row.first_seq);
      this.totalBytes -= row.bytes;
      this.totalEvents -= row.count;
      if (lossBlob) { this.carryLoss(lossBlob); continue; }
      const last = row.first_seq + row.count - 1;
      const from = Math.max(row.first_seq, this.m.acked_seq + 1);
      if (last < from) continue;
      const n = last - from + 1;
      this.setMeta('dropped_events', this.m.dropped_events + n);
      this.setMeta('dropped_bytes', this.m.dropped_bytes + row.bytes);
      if (this.m.loss_events === 0) this.setMeta('loss_first', from);
      this.setMeta('loss_events', this.m.loss_events + n);
      this.setMeta('loss_bytes', this.m.loss_bytes + row.bytes);
      this.setMeta('loss_last', last);
    }
    if (this.m.loss_events > 0) {
      if (this.now() - this.lastLossAt >= LOSS_INTERVAL_MS) this.appendLoss();
      else this.scheduleLoss();
    }
  }

  /** A dropped DataLoss row is not lost news: its counts go back into the pending report. */
  private carryLoss(blob: Buffer): void {
    const loss = decodeAgentFrame(encodeBatchFrame(1, 0, [blob])).batch?.events[0]?.loss;
    if (!loss) return;
    const first = Number(loss.firstSeq ?? 0);
    const pending = this.m.loss_events > 0;
    this.setMeta('loss_first', pending ? Math.min(this.m.loss_first, first) : first);
    this.setMeta('loss_last', Math.max(this.m.loss_last, Number(loss.lastSeq ?? 0)));
    this.setMeta('loss_events', this.m.loss_events + Number(loss.droppedEvents ?? 0));
    this.setMeta('loss_bytes', this.m.loss_bytes + Number(loss.droppedBytes ?? 0));
  }

  /** Appends the pending DataLoss event (inside a transaction). */
  private appendLoss(): void {
    const loss = {
      droppedEvents: this.m.loss_events, droppedBytes: this.m.loss_bytes,
      firstSeq: this.m.loss_first, lastSeq: this.m.loss_last,
      reason: `outbox over max_bytes (${this.maxBytes}): oldest events dropped`,
    };
    this.append(1, encodeEventsFragment([{ timeMs: this.now(), loss }]), 1);
    for (const k of ['loss_events', 'loss_bytes', 'loss_first', 'loss_last']) this.setMeta(k, 0);
    this.lastLossAt = this.now();
  }

  private scheduleLoss(): void {
    if (this.lossTimer || this.closed) return;
    this.lossTimer = setTimeout(() => {
      this.lossTimer = undefined;
      if (this.closed || this.m.loss_events === 0 || this.stall) return;   // the stall's end reschedules
      if (this.tryWrite(() => this.appendLoss())) this.onAppend?.();
    }, LOSS_INTERVAL_MS);
    this.lossTimer.unref();
  }

  checkpoint(key: string): string | undefined { return this.cps.get(key); }

  checkpoints(prefix: string): Array<[string, string]> {
    return [...this.cps].filter(([k]) => k.startsWith(prefix)).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  /** Resolves once the queued bytes are below the soft limit. */
  room(): Promise<void> {
    if ((this.totalBytes < this.softBytes && !this.stall) || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    if (this.waiters.length === 0 || ((this.totalBytes >= this.softBytes || this.stall) && !this.closed)) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * The collector committed every event <= seq: delete the rows wholly covered. On a full
   * disk the deletion waits for the stall's retries (the rows are not sent again meanwhile).
   */
  ack(seq: number): void {
    if (this.closed || seq <= this.m.acked_seq) return;
    if (!this.deleteAcked(seq)) { this.ackPending = Math.max(this.ackPending, seq); return; }
    if (this.stall) this.scheduleRetry(0);   // space was freed: try to resume at once
    this.wake();
  }

  private deleteAcked(seq: number): boolean {
    return this.tryWrite(() => {
      const gone = this.q.ackRows.all(seq, seq) as Array<{ count: number; bytes: number }>;
      for (const r of gone) { this.totalBytes -= r.bytes; this.totalEvents -= r.count; }
      this.setMeta('acked_seq', seq);
    });
  }

  /** Welcome from the collector: it holds everything <= lastSeq of this instance. */
  resume(lastSeq: number): void {
    if (lastSeq >= this.m.next_seq && !this.tryWrite(() => this.setMeta('next_seq', lastSeq + 1))) {
      this.m.next_seq = lastSeq + 1;   // stored with the next row that can be written
    }
    if (lastSeq > this.m.acked_seq) this.ack(lastSeq);
  }

  /** Runs a write transaction; false (and a stall) when the disk is full, other errors throw. */
  private tryWrite(fn: () => void): boolean {
    try {
      this.tx(fn);
      return true;
    } catch (err) {
      const kind = this.classify(err);
      if (!kind) throw err;
      this.enterStall(err, kind);
      return false;
    }
  }

  private classify(err: unknown) {
    return classifyWriteError(err, () => freeBytes(this.stateDir));
  }

  private enterStall(err: unknown, kind: 'full' | 'io'): void {
    if (this.stall || this.closed) return;
    const cause = String((err as { code?: string }).code ?? (err as Error).message);
    this.stall = new Stall(this.now(), cause, kind);
    this.log?.error(`${stallName(kind)}: outbox writes refused, sources paused; retrying until writes succeed`, {
      code: cause, error: (err as Error).message, queued_events: this.totalEvents,
    });
    this.scheduleRetry(this.retryBackoff.next());
  }

  private scheduleRetry(delay: number): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.retry(), delay);
    this.retryTimer.unref();
  }

  /** One attempt to leave the stall: delete acked rows, give the WAL back, write the report. */
  private retry(): void {
    this.retryTimer = undefined;
    const stall = this.stall;
    if (this.closed || !stall) return;
    if (this.ackPending > this.m.acked_seq && !this.deleteAcked(this.ackPending)) {
      this.scheduleRetry(this.retryBackoff.next());
      return;
    }
    this.truncateWal();
    const now = this.now();
    if (!this.tryWrite(() => this.append(1, encodeEventsFragment([{ timeMs: now, loss: stall.report(now) }]), 1))) {
      this.scheduleRetry(this.retryBackoff.next());
      return;
    }
    this.stall = undefined;
    this.retryBackoff.reset();
    this.log?.info('state disk writable again: sources resumed', stall.summary(now));
    if (this.m.loss_events > 0) this.scheduleLoss();
    this.wake();
    this.onAppend?.();
  }

  /** Checkpoints the WAL into the database and truncates it to zero (best effort). */
  private truncateWal(): void {
    try { this.db.pragma('wal_checkpoint(TRUNCATE)'); } catch { /* retried with the next attempt */ }
  }

  /**
   * The contiguous run of stored events starting at the first seq >= fromSeq, cut at
   * whole events to at most maxBytes (always at least one event); undefined when empty.
   */
  read(fromSeq: number, maxBytes: number): OutboxRun | undefined {
    const rows = this.q.runFrom.all(fromSeq) as RowHead[];
    let run: OutboxRun | undefined;
    for (const row of rows) {
      const end = row.first_seq + row.count;
      if (end <= fromSeq) continue;
      if (run && row.first_seq !== run.firstSeq + run.count) break;
      const budget = maxBytes - (run?.bytes ?? 0);
      if (run && row.bytes > budget && budget < 256) break;
      const blob = this.q.blobOf.get(row.first_seq) as Buffer;   // only the rows actually sent
      const skip = Math.max(0, fromSeq - row.first_seq);
      const start = skip > 0 ? offsetOfEvent(blob, skip) : 0;
      const whole = blob.length - start <= budget;
      const cut = whole ? { end: blob.length, count: row.count - skip } : takeEvents(blob, start, budget);
      if (run && cut.end - start > budget) break;
      const piece = blob.subarray(start, cut.end);
      if (!run) run = { firstSeq: row.first_seq + skip, count: 0, bytes: 0, fragments: [] };
      run.fragments.push(piece);
      run.count += cut.count;
      run.bytes += piece.length;
      if (!whole) break;
    }
    return run;
  }

  stats(): OutboxStats {
    return {
      ...this.counters, eventsDropped: this.m.dropped_events,
      outboxBytes: this.totalBytes, outboxEvents: this.totalEvents, ackedSeq: this.m.acked_seq,
      diskFullSinceMs: this.stall?.since ?? 0, writesRefused: this.writesRefused,
    };
  }

  close(): void {
    if (this.closed) return;
    if (this.lossTimer) { clearTimeout(this.lossTimer); this.lossTimer = undefined; }
    clearTimeout(this.retryTimer);
    // on a full disk the pending loss stays in meta (reported after the next start)
    if (this.m.loss_events > 0 && !this.stall) this.tryWrite(() => this.appendLoss());
    if (this.stall) this.log?.warn('stopping with the state disk full; the stall is not reported', this.stall.summary(this.now()));
    this.closed = true;
    this.wake();
    this.db.close();
  }
}
