/**
 * One tracked file: an open fd, its identity and fingerprint, and the line splitter.
 * pump() reads new bytes in large chunks and emits lines in batches together with the
 * file's checkpoint; it notices truncation or replaced content (size below the read
 * position, first bytes changed, or the last bytes read changed: a rewrite behind the same
 * banner), finishes the old content from a rotated copy (copytruncate) when one exists,
 * else reports the bytes it knew of and never read as a data-loss event, then restarts at 0.
 * A refused write (state disk full) rewinds it to its stored checkpoint: nothing is skipped.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import type { Event, LogLine, LogType, Logger } from '@vigil/proto';
import type { SourceContext } from '../source.js';
import {
  encodeCheckpoint, fdMatches, FP_MAX, hashBytes, readRange, TAIL_MAX, type Checkpoint, type FileId, type Fingerprint, type TailMark,
} from './identity.js';
import { resumeState, type TailState } from './resume.js';
import { openPlain } from './safe-open.js';
import { findCopy } from './siblings.js';
import { LineSplitter, type LineSink } from './splitter.js';
import type { ResolvedOptions } from './types.js';

export interface TailerInit {
  key: string;
  /** Path reported in events (where the file was found). */
  path: string;
  /** Where the file is now (rotated siblings are searched next to it). */
  location: string;
  fd: number;
  id: FileId;
  fp: Fingerprint;
  offset: number;
  tail: TailState;
  /** The content at `offset` is gone (truncated or replaced while the agent was away). */
  replaced: boolean;
  type: LogType;
  maxLineBytes: number;
}

export interface TailerDeps {
  ctx: SourceContext;
  log: Logger;
  opts: ResolvedOptions;
  /** Waits for outbox room (and yields); false once the source is stopping. */
  room: () => Promise<boolean>;
  stats: { linesRead: number; bytesRead: number; linesTruncated: number };
}

export type PumpResult = 'eof' | 'more' | 'stopped';

const EMPTY_FP: Fingerprint = { len: 0, hash: hashBytes(Buffer.alloc(0)), bytes: Buffer.alloc(0) };

export class Tailer {
  readonly key: string;
  readonly path: string;
  readonly id: FileId;
  location: string;
  /** When the file stopped matching any configured path (rotated away or deleted). */
  detachedAt: number | undefined;
  lastActivity = Date.now();
  private fd: number;
  private fp: Fingerprint;
  private tail: TailState;
  private tailHash: string | undefined;
  private readonly scratch = Buffer.allocUnsafe(TAIL_MAX);
  private replaced: boolean;
  private readonly splitter: LineSplitter;
  private readonly type: LogType;
  private batch: Event[] = [];
  private batchBytes = 0;
  private now = 0;
  /** Where reading started when no checkpoint was stored yet (rewind's fallback). */
  private readonly startOffset: number;

  constructor(init: TailerInit, private readonly deps: TailerDeps) {
    this.key = init.key;
    this.path = init.path;
    this.location = init.location;
    this.id = init.id;
    this.fd = init.fd;
    this.fp = init.fp;
    this.tail = init.tail;
    this.tailHash = init.tail.mark?.hash;
    this.replaced = init.replaced;
    this.type = init.type;
    this.splitter = new LineSplitter(init.maxLineBytes, deps.opts.chunkBytes, init.offset);
    this.startOffset = init.offset;
  }

  get offset(): number { return this.splitter.offset; }

  /** Reads up to maxChunks chunks. 'eof' when caught up, 'more' when there is more to read. */
  async pump(maxChunks: number): Promise<PumpResult> {
    for (let i = 0; i < maxChunks; i++) {
      if (!(await this.deps.room())) return 'stopped';
      if (this.replaced) {
        if (!(await this.recoverReplaced())) return 'stopped';
        continue;
      }
      const readPos = this.splitter.readPos;
      const size = fstatSync(this.fd).size;
      if (size < readPos) { this.replaced = true; continue; }
      if (size === readPos) return 'eof';
      const n = this.readInto(this.fd, readPos);
      if (n === 0) return 'eof';
      if (!fdMatches(this.fd, this.fp) || !this.tailHeld()) { this.replaced = true; continue; }
      this.tail.seen = Math.max(this.tail.seen, size);
      this.growFingerprint(readPos, n);
      this.growTail(readPos, n);
      this.lastActivity = Date.now();
      this.consume(n);
    }
    return 'more';
  }

  /** Ends tracking for good: emits a pending partial line, deletes the checkpoint, closes. */
  finish(): void {
    this.now = Date.now();
    this.splitter.flush(this.sink);
    this.deps.ctx.emit(this.batch, { [this.key]: null });   // kept if refused
    this.takeBatch();
    this.close();
  }

  /**
   * After a refused write (state disk full): drops what was read since the checkpoint that
   * the outbox holds (`cp`; none stored: where this tailer started) and reads from there again.
   */
  rewind(cp: Checkpoint | undefined): void {
    const st = resumeState(this.fd, cp, this.startOffset);
    this.fp = st.fp;
    this.tail = st.tail;
    this.tailHash = st.tail.mark?.hash;
    this.replaced = st.replaced;
    this.splitter.reset(st.offset);
    this.takeBatch();
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Persists the current position without events (e.g. a start_at: end starting point). */
  saveCheckpoint(): void {
    this.deps.ctx.emit(this.takeBatch(), { [this.key]: this.checkpoint(this.splitter.offset) });
  }

  private readInto(fd: number, pos: number): number {
    const t = this.splitter.target();
    const n = readSync(fd, t.buf, t.pos, t.len, pos);
    this.deps.stats.bytesRead += n;
    return n;
  }

  /** Extends a short fingerprint with the bytes just read (they follow it directly). */
  private growFingerprint(readPos: number, n: number): void {
    const fp = this.fp;
    if (fp.len >= FP_MAX || !fp.bytes || fp.len < readPos || fp.len >= readPos + n) return;
    const t = this.splitter.target();
    const from = t.pos + (fp.len - readPos);
    const add = t.buf.subarray(from, from + Math.min(FP_MAX - fp.len, readPos + n - fp.len));
    const bytes = Buffer.concat([fp.bytes, add]);
    this.fp = { len: bytes.length, hash: hashBytes(bytes), bytes };
  }

  /** True when the file still holds the last bytes read (those the fingerprint covers are checked there). */
  private tailHeld(): boolean {
    const t = this.tail.bytes;
    if (t.length === 0 || this.tail.end <= this.fp.len) return true;
    const got = readRange(this.fd, this.tail.end - t.length, t.length, this.scratch);
    return got.length === t.length && t.equals(got);
  }

  /** Moves the tail to the end of the bytes just read into target() (once per read, never per line). */
  private growTail(readPos: number, n: number): void {
    const end = readPos + n;
    const old = this.tail;
    if (end <= old.end) return;
    const t = this.splitter.target();
    const fresh = t.buf.subarray(t.pos + Math.max(0, n - TAIL_MAX), t.pos + n);
    // the old tail's bytes before readPos continue into the fresh ones
    const upTo = readPos <= old.end ? Math.max(0, readPos - (old.end - old.bytes.length)) : 0;
    const keep = Math.min(upTo, TAIL_MAX - fresh.length);
    const bytes = Buffer.allocUnsafe(keep + fresh.length);
    old.bytes.copy(bytes, 0, upTo - keep, upTo);
    fresh.copy(bytes, keep);
    this.tail = { bytes, end, seen: old.seen };
    this.tailHash = undefined;
  }

  private tailMark(): TailMark | undefined {
    const len = this.tail.mark?.len ?? this.tail.bytes.length;
    if (len === 0) return undefined;
    this.tailHash ??= hashBytes(this.tail.bytes);
    return { end: this.tail.end, len, hash: this.tailHash };
  }

  private consume(n: number): void {
    this.now = Date.now();
    this.splitter.consume(n, this.sink);
    if (this.batch.length > 0) this.emitBatch(this.splitter.offset);
  }

  private readonly sink: LineSink = (text, offset, next, truncated, length) => {
    const line: LogLine = truncated
      ? { type: this.type, path: this.path, offset, text, truncated: true, originalLength: length }
      : { type: this.type, path: this.path, offset, text };
    if (truncated) this.deps.stats.linesTruncated++;
    this.deps.stats.linesRead++;
    this.batch.push({ timeMs: this.now, line });
    this.batchBytes += text.length;
    if (this.batch.length >= this.deps.opts.batchLines || this.batchBytes >= this.deps.opts.batchBytes) this.emitBatch(next);
  };

  private emitBatch(off: number): void {
    this.deps.ctx.emit(this.takeBatch(), { [this.key]: this.checkpoint(off) });
  }

  private takeBatch(): Event[] {
    const b = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    return b;
  }

  private checkpoint(off: number): string {
    const t = this.tailMark();
    const tail = t && t.end >= off ? { te: t.end, tl: t.len, th: t.hash } : {};
    return encodeCheckpoint({ path: this.path, dev: this.id.dev, ino: this.id.ino, fp: this.fp.hash, fpLen: this.fp.len, off, ...tail });
  }

  /**
   * The content we were reading is gone from this inode. Finish it from a rotated copy if
   * one holds it (copytruncate), then restart this file at byte 0. False if stopped.
   */
  private async recoverReplaced(): Promise<boolean> {
    const off = this.splitter.offset;
    const log = this.deps.log;
    const copy = off > 0
      ? findCopy(this.location, { fpHash: this.fp.hash, fpLen: this.fp.len, minSize: off, exclude: this.id, tail: this.tailMark() })
      : undefined;
    if (copy) {
      log.info('file truncated; finishing its old content from the rotated copy', { path: this.path, copy, offset: off });
      if (!(await this.drainCopy(copy, off))) return false;
    } else if (off > 0) {
      log.info('file truncated or replaced; reading it from the start', { path: this.path, offset: off });
      this.reportUnread(off);
    }
    this.replaced = false;
    this.fp = EMPTY_FP;
    this.tail = { bytes: EMPTY_FP.bytes!, end: 0, seen: 0 };
    this.tailHash = undefined;
    this.splitter.reset(0);
    this.emitBatch(0);
    this.lastActivity = Date.now();
    return true;
  }

  /**
   * The old content is gone without a copy: the bytes known to exist after the checkpoint
   * offset (a pending partial line, what backpressure had left unread) are reported as a
   * data-loss event going out with the reset checkpoint. Nothing known unread: no event.
   */
  private reportUnread(off: number): void {
    const lost = this.tail.seen - off;
    if (lost <= 0) return;
    this.deps.log.warn('file truncated or replaced before it was read to its end; the unread bytes are lost', { path: this.path, offset: off, bytes: lost });
    this.batch.push({ timeMs: Date.now(), loss: {
      droppedEvents: 0, droppedBytes: lost,
      reason: `file ${this.path} was truncated or rewritten with no rotated copy before ${lost} bytes after offset ${off} were read`,
    } });
  }

  /** Reads the copy from `off` to its end; its final unterminated line is emitted too. */
  private async drainCopy(copy: string, off: number): Promise<boolean> {
    const cfd = openPlain(copy);
    try {
      this.splitter.reset(off);
      for (;;) {
        if (!(await this.deps.room())) return false;
        const n = this.readInto(cfd, this.splitter.readPos);
        if (n === 0) break;
        this.consume(n);
      }
      this.now = Date.now();
      this.splitter.flush(this.sink); // the batch goes out with the reset checkpoint
      return true;
    } finally {
      closeSync(cfd);
    }
  }
}
