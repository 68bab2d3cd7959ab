/**
 * Small shared helpers for every decoder: the RFC 3339 stamp of an event (the text up to
 * the minute cached, seconds and milliseconds from tables, the whole string reused for a
 * repeated millisecond), the unparsed-line event, and trimming the line ending off raw text.
 * The stamp cache is process-wide pure data (time -> text), no collector state.
 */
import type { EcsFields } from '../model.js';

let lastMin = NaN;
let minPrefix = '';
let lastMs = NaN;
let lastIso = '';
const MS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const SS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** `SS.000Z` for whole seconds, the usual case for syslog stamps. */
const SS0 = SS.map((s) => `${s}.000Z`);

/** Whether `ms` is a time RFC 3339 can write: years 1 to 9999. */
export const usableTimeMs = (ms: number): boolean => Number.isFinite(ms) && ms >= -62135596800000 && ms <= 253402300799999;

/** RFC 3339 with ms for `ms`, or for `fallbackMs` when ms is not a usable time. */
export function isoTime(ms: number, fallbackMs: number): string {
  let t = ms;
  if (!usableTimeMs(t)) t = fallbackMs; // an agent's read time can be out of range too
  if (!usableTimeMs(t)) t = Date.now();
  t = Math.floor(t);
  if (t === lastMs) return lastIso; // the same instance: consumers compare it cheaply
  const min = Math.floor(t / 60_000);
  if (min !== lastMin) {
    const iso = new Date(min * 60_000).toISOString(); // YYYY-MM-DDTHH:MM:00.000Z (or a ±YYYYYY year)
    minPrefix = iso.slice(0, iso.length - 7);
    lastMin = min;
  }
  const rem = t - min * 60_000;
  const sec = Math.floor(rem / 1000);
  const milli = rem - sec * 1000;
  lastMs = t;
  lastIso = milli === 0 ? minPrefix + SS0[sec] : minPrefix + SS[sec] + '.' + MS3[milli] + 'Z';
  return lastIso;
}

/**
 * A plain object (prototype Object.prototype) built by a constructor: V8 then gives its
 * instances room for several more fields in-object, so an event's ~20 fields cost far
 * fewer property-array reallocations than when grown from a 3-field literal.
 */
function EventFields(this: EcsFields, ts: string, message: string, kind: string, path?: string, offset?: number, type?: string): void {
  this['@timestamp'] = ts;
  this.message = message;
  this['event.kind'] = kind;
  if (path !== undefined && offset !== undefined && type !== undefined) {
    this['log.file.path'] = path;
    this['log.offset'] = offset;
    this['vigil.type'] = type;
  }
}
EventFields.prototype = Object.prototype;
type Ctor = new (ts: string, message: string, kind: string, path?: string, offset?: number, type?: string) => EcsFields;
const Ctor = EventFields as unknown as Ctor;

/**
 * A new event with its first fields: '@timestamp', 'message', 'event.kind', and when the
 * line's file position and log type are all known, 'log.file.path', 'log.offset' and
 * 'vigil.type' (which ingest and replay set anyway: here they cost no shape changes).
 */
export function newEvent(ts: string, message: string, kind: string, path?: string, offset?: number, type?: string): EcsFields {
  return new Ctor(ts, message, kind, path, offset, type);
}

export function stripEol(text: string): string {
  const n = text.length;
  if (n === 0) return text;
  let end = n;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 10 && c !== 13) break;
    end--;
  }
  return end === n ? text : text.slice(0, end);
}

/** The event for a line nothing understood: kept whole, flagged unparsed. */
export function unparsed(text: string, readTimeMs: number): EcsFields {
  const ev = newEvent(isoTime(NaN, readTimeMs), text, 'event');
  ev['vigil.unparsed'] = true;
  return ev;
}
