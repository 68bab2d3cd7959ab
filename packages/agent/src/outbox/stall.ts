/**
 * The outbox's disk-full state. Which errors mean "no room on the state disk" (SQLITE_FULL,
 * ENOSPC, SQLITE_IOERR*); the stall one starts, counting what was refused meanwhile (writes;
 * events no checkpoint brings back, i.e. emitted without one); and the DataLoss event that
 * reports the stall once the outbox can write again.
 */
import type { DataLoss } from '@vigil/proto';

/** Thrown by Outbox.emit while the state disk is full: nothing of the call was stored. */
export class DiskFullError extends Error {
  readonly code = 'VIGIL_DISK_FULL';
  constructor(cause?: unknown) {
    super('state disk full: events not stored; reading is paused until the outbox can write again', { cause });
  }
}

/** True when a write failed for want of space (or of a working disk) rather than a bug. */
export function isDiskFull(err: unknown): boolean {
  if (err instanceof DiskFullError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code === 'ENOSPC' || code.startsWith('SQLITE_IOERR'));
}

export class Stall {
  writesRefused = 0;
  eventsLost = 0;
  bytesLost = 0;
  constructor(readonly since: number, readonly cause: string) {}

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
      reason: `state disk full for ${secs} s (${this.cause}): reading paused, ${this.writesRefused} writes refused; `
        + 'files and journal resume from their checkpoints, events without one (probes, metrics, container events) were lost',
    };
  }

  summary(now: number): Record<string, unknown> {
    return { paused_ms: now - this.since, writes_refused: this.writesRefused, events_lost: this.eventsLost };
  }
}
