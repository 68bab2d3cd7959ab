/**
 * Timestamps for decoders: RFC 3164 year-less stamps (the year that puts them nearest
 * before the read time, with one day of future skew allowed), ISO 8601 / RFC 3339 stamps
 * with fractions and offsets (`T` or space, `Z`, `+hh:mm`, `-hhmm`), and formatting to the
 * RFC 3339 string with milliseconds that events carry. Hand-written: no regex, no Date parsing.
 */

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};
export const FUTURE_SKEW_MS = 86_400_000;

export function monthIndex(abbr: string): number {
  const m = MONTHS[abbr];
  return m === undefined ? -1 : m;
}

/** Digits at s[i..i+n) as a number, or -1 if any is not a digit. */
export function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Epoch ms for a year-less stamp (month 0-11), UTC, nearest before readTimeMs (+1 day skew). */
export function yearlessToMs(month: number, day: number, secOfDay: number, frac: number, readTimeMs: number): number {
  const year = new Date(readTimeMs).getUTCFullYear();
  let t = Date.UTC(year, month, day) + secOfDay * 1000 + frac;
  if (t > readTimeMs + FUTURE_SKEW_MS) t = Date.UTC(year - 1, month, day) + secOfDay * 1000 + frac;
  return t;
}

/** Milliseconds of a fraction `.123456` starting at s[i] === '.', and where it ends. */
export function fraction(s: string, i: number): { ms: number; end: number } {
  let j = i + 1;
  let ms = 0;
  let scale = 100;
  while (j < s.length) {
    const c = s.charCodeAt(j) - 48;
    if (c < 0 || c > 9) break;
    ms += c * scale;
    scale /= 10;
    j++;
  }
  return { ms: Math.floor(ms), end: j };
}

export interface ParsedStamp { ms: number; end: number }

/**
 * ISO 8601 at s[i]: `YYYY-MM-DD[T ]HH:MM:SS[.frac|,frac][Z|+hh:mm|+hhmm|-hh]`. Returns the
 * epoch ms and the index after the stamp, or undefined if s does not hold one there.
 */
export function parseIso(s: string, i = 0): ParsedStamp | undefined {
  const year = digits(s, i, 4);
  if (year < 0 || s[i + 4] !== '-' || s[i + 7] !== '-') return undefined;
  const mon = digits(s, i + 5, 2);
  const day = digits(s, i + 8, 2);
  const sep = s[i + 10];
  if (mon < 1 || mon > 12 || day < 1 || day > 31) return undefined;
  if (sep !== 'T' && sep !== ' ' && sep !== 't') {
    if (s.length === i + 10) return { ms: Date.UTC(year, mon - 1, day), end: i + 10 };
    return undefined;
  }
  const hh = digits(s, i + 11, 2);
  const mm = digits(s, i + 14, 2);
  const ss = digits(s, i + 17, 2);
  if (hh < 0 || mm < 0 || ss < 0 || s[i + 13] !== ':' || s[i + 16] !== ':') return undefined;
  let j = i + 19;
  let frac = 0;
  if (s[j] === '.' || s[j] === ',') {
    const f = fraction(s, j);
    frac = f.ms;
    j = f.end;
  }
  let offsetMin = 0;
  const z = s[j];
  if (z === 'Z' || z === 'z') j++;
  else if (z === '+' || z === '-') {
    const oh = digits(s, j + 1, 2);
    if (oh >= 0) {
      let om = 0;
      let k = j + 3;
      if (s[k] === ':') k++;
      const m2 = digits(s, k, 2);
      if (m2 >= 0) { om = m2; k += 2; }
      offsetMin = (oh * 60 + om) * (z === '+' ? 1 : -1);
      j = k;
    }
  }
  const ms = Date.UTC(year, mon - 1, day, hh, mm, ss) + frac - offsetMin * 60_000;
  return Number.isFinite(ms) ? { ms, end: j } : undefined;
}

/** RFC 3339 with milliseconds, UTC; invalid or out-of-range times fall back to `fallbackMs`. */
export function toIso(ms: number, fallbackMs: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return new Date(fallbackMs).toISOString();
  return d.toISOString();
}
