/**
 * Small shared helpers for every decoder: the RFC 3339 stamp of an event (cached for the
 * last second seen), the unparsed-line event, and trimming the line ending off raw text.
 */
import type { EcsFields } from '../model.js';

let lastSec = NaN;
let lastPrefix = '';
const MS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** RFC 3339 with ms for `ms`, or for `fallbackMs` when ms is not a usable time. */
export function isoTime(ms: number, fallbackMs: number): string {
  let t = ms;
  if (!Number.isFinite(t) || t < -62135596800000 || t > 253402300799999) t = fallbackMs;
  if (!Number.isFinite(t)) t = Date.now();
  const sec = Math.floor(t / 1000);
  if (sec !== lastSec) {
    const iso = new Date(sec * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z (or a ±YYYYYY year)
    lastPrefix = iso.slice(0, iso.length - 4);
    lastSec = sec;
  }
  return `${lastPrefix}${MS3[Math.floor(t - sec * 1000)]}Z`;
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
  return {
    '@timestamp': isoTime(NaN, readTimeMs),
    message: text,
    'event.kind': 'event',
    'vigil.unparsed': true,
  };
}
