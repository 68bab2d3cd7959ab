/**
 * Decides what one agent Batch stores, given the instance's high-water mark: events at
 * or below it are duplicates from a resend (skipped before decoding, so stateful decoders
 * see each line once), a gap before the batch becomes a data-loss row, the rest become
 * rows, handed over in chunks as they are decoded. Writes nothing.
 */
import type { Batch, Event } from '@vigil/proto';
import type { NewEvent } from '../store/events.js';
import type { DecoderCache } from './decoder-cache.js';
import type { BodyHandler, BodyHandlers } from './handlers.js';
import { lossFields, toNewEvent } from './to-event.js';

/** What a batch comes to, besides its rows. */
export interface BatchSummary {
  duplicates: number;
  /** The mark after this batch: max(hwm, last seq). */
  ack: number;
  /** Newest event time among the rows, 0 when none. */
  newestEventMs: number;
}

/**
 * Receives rows in batch order, at most the chunk size at a time (never an empty chunk),
 * with, per row, the body handler whose derive must run and its wire event (undefined for most).
 */
export type RowChunk = (rows: NewEvent[], handlers: Array<BodyHandler | undefined>, events: Array<Event | undefined>) => void;

/**
 * Decodes the batch's rows and hands them to `chunk` every `size` rows, so that a large
 * batch's decoded fields need not live until its last line is decoded.
 */
export function batchChunks(agent: string, batch: Batch, hwm: number, now: number, decoders: DecoderCache, bodies: BodyHandlers, size: number, chunk: RowChunk): BatchSummary {
  const first = batch.firstSeq;
  const list = batch.events ?? [];
  const last = first + list.length - 1;
  let rows: NewEvent[] = [];
  let handlers: Array<BodyHandler | undefined> = [];
  let events: Array<Event | undefined> = [];
  if (first > hwm + 1) {
    rows.push({ agent, seq: hwm + 1, kind: 'loss', ingested: now, timeMs: now, fields: lossFields(agent, now, now, {
      message: `sequence gap: events ${hwm + 1}..${first - 1} from agent ${agent} never arrived`,
      action: 'sequence-gap', dropped: first - 1 - hwm, firstSeq: hwm + 1, lastSeq: first - 1,
    }) });
    handlers.push(undefined);
    events.push(undefined);
  }
  let duplicates = 0;
  let newestEventMs = 0;
  const nowIso = new Date(now).toISOString();
  for (let i = 0; i < list.length; i++) {
    const seq = first + i;
    if (seq <= hwm) { duplicates++; continue; }
    const c = toNewEvent(list[i], seq, agent, now, decoders, bodies, nowIso);
    rows.push(c.row);
    handlers.push(c.handler);
    events.push(c.handler ? list[i] : undefined);
    if (c.row.timeMs > newestEventMs) newestEventMs = c.row.timeMs;
    if (rows.length >= size) { chunk(rows, handlers, events); rows = []; handlers = []; events = []; }
  }
  if (rows.length > 0) chunk(rows, handlers, events);
  return { duplicates, ack: Math.max(hwm, last), newestEventMs };
}

/** Ingest lag: from the newest event's read time (agent clock, corrected by skew) to commit. */
export function lagMs(r: BatchSummary, now: number, skewMs: number): number | null {
  return r.newestEventMs ? Math.max(0, now - (r.newestEventMs + skewMs)) : null;
}
