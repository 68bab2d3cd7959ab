/**
 * Small shared helpers for every decoder: the RFC 3339 stamp of an event (cached for the
 * last second seen), the unparsed-line event, and trimming the line ending off raw text.
 */
import type { EcsFields } from '../model.js';

let lastMs = NaN;
let lastIso = '';

/** RFC 3339 with ms for `ms`, or for `fallbackMs` when ms is not a usable time. */
export function isoTime(ms: number, fallbackMs: number): string {
  let t = ms;
  if (!Number.isFinite(t) || t < -62135596800000 || t > 253402300799999) t = fallbackMs;
  if (!Number.isFinite(t)) t = Date.now();
  if (t === lastMs) return lastIso;
  lastMs = t;
  lastIso = new Date(t).toISOString();
  return lastIso;
}

export function stripEol(text: string): string {
  const n = text.length;
  if (n === 0) return text;
  const c = text.charCodeAt(n - 1);
  if (c !== 10 && c !== 13) return text;
  return text.replace(/[\r\n]+$/, '');
}

/** The event for a line nothing understood: kept whole, flagged unparsed. */
export function unparsed(text: string, readTimeMs: number): EcsFields {
  return {
    '@timestamp': isoTime(NaN, readTimeMs),
    message: text,
    'event.kind': 'event',
    'vigil.unparsed': true,
  };
}
