/**
 * The outbox's stalled state. Which write errors stall it (classifyWriteError: "full" for no
 * room on the state disk, "io" for a failing disk); the stall one starts, counting what was
 * refused meanwhile (writes; events no checkpoint brings back, i.e. emitted without one); and
 * the DataLoss event that reports the stall once the outbox can write again.
 */
import { statfsSync } from 'node:fs';
import type { DataLoss } from '@vigil/proto';

/** Thrown by Outbox.emit while the state disk is full: nothing of the call was stored. */
export class DiskFullError extends Error {
  readonly code = 'VIGIL_DISK_FULL';
  constructor(cause?: unknown, readonly kind: StallKind = 'full') {
    super(`${stallName(kind)}: events not stored; reading is paused until the outbox can write again`, { cause });
  }
}

/** Why writes stall: no room on the state disk, or the disk failing them. */
export type StallKind = 'full' | 'io';

/** SQLite I/O errors that a full file system also causes (a short write, a file that cannot grow). */
const SPACE_IOERRS = new Set(['SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_SHMSIZE', 'SQLITE_IOERR_TRUNCATE']);
/** Below this many bytes available, such an I/O error is taken for a full disk. */
const NEARLY_FULL_BYTES = 1 << 20;

/** Bytes available to the agent on the file system holding `dir` (Infinity when unknown). */
export function freeBytes(dir: string): number {
  try { const s = statfsSync(dir); return Number(s.bavail) * Number(s.bsize); } catch { return Infinity; }
}

/**
 * What a failed write means: 'full' for SQLITE_FULL or ENOSPC (or a write-side I/O error
 * while the state disk has under 1 MiB available), 'io' for any other SQLITE_IOERR (a failing
 * disk: the outbox stalls too, under its own name), undefined for anything else (a bug: thrown).
 */
export function classifyWriteError(err: unknown, free: () => number): StallKind | undefined {
  if (err instanceof DiskFullError) return err.kind;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'full';
  if (!code.startsWith('SQLITE_IOERR')) return undefined;
  return SPACE_IOERRS.has(code) && free() < NEARLY_FULL_BYTES ? 'full' : 'io';
}

/** How a stall is named in logs and reports. */
export function stallName(kind: StallKind): string {
  return kind === 'full' ? 'state disk full' : 'state disk I/O error';
}

export class Stall {
  writesRefused = 0;
  eventsLost = 0;
  bytesLost = 0;
  constructor(readonly since: number, readonly cause: string, readonly kind: StallKind = 'full') {}

  /** One refused emit: with checkpoints, its source reads the same events again later. */
  refuse(events: number, bytes: number, replayable: boolean): void {
    this.writesRefused++;
    if (replayable || events === 0) return;
    this.eventsLost += events;
    this.bytesLost += bytes;
  }

  /** The DataLoss event recording this stall (also when nothing was lost: the pause itself). */
  report(now: number): DataLoss {
    const secs = ((now - this.since) / 1000).toFixed(1);
    return {
      droppedEvents: this.eventsLost, droppedBytes: this.bytesLost, firstSeq: 0, lastSeq: 0,
      reason: `${stallName(this.kind)} for ${secs} s (${this.cause}): reading paused, ${this.writesRefused} writes refused; `
        + 'files and journal resume from their checkpoints, events without one (probes, metrics, container events) were lost',
    };
  }

  summary(now: number): Record<string, unknown> {
    return { paused_ms: now - this.since, writes_refused: this.writesRefused, events_lost: this.eventsLost };
  }
}
