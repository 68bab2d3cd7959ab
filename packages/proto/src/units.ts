/**
 * The one grammar of durations and sizes, for every key of the agent and the collector
 * (config files, rule and check files, API parameters) and for the sizes and durations
 * that backup and deployment tools print into their logs. README.md "Durations and sizes"
 * documents it; each key keeps its own bounds (a minimum, a maximum) at its call site.
 */

/** Milliseconds per duration unit of the config grammar (units are case-insensitive). */
const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Bytes per size unit: SI (k, KB, M, MB, ...) are powers of 1000, IEC (KiB, MiB, ...) powers
 * of 1024; case-insensitive, so `1k`, `1K`, `1kb` and `1KB` are all 1000 and `1KiB` is 1024.
 */
const SIZE_BYTES: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, pib: 1024 ** 5,
};

/** Nanoseconds per unit as tools write them in logs: the config units plus ns, us and words. */
const LOGGED_NS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(Object.entries(DURATION_MS).map(([u, ms]) => [u, ms * 1e6])),
  ns: 1, us: 1e3, 'µs': 1e3, sec: 1e9, secs: 1e9, second: 1e9, seconds: 1e9,
  min: 60e9, mins: 60e9, minute: 60e9, minutes: 60e9, hour: 3600e9, hours: 3600e9, day: 86400e9, days: 86400e9,
};

const BARE = /^\d+(?:\.\d+)?$/;
const CLOCK = /^(?:(\d+):)?(\d+):(\d{2})(?:\.(\d+))?$/;

/** The sum of `<number><unit>` parts filling all of `text` (spaces allowed between), or undefined. */
function sumParts(text: string, units: Readonly<Record<string, number>>): number | undefined {
  if (text === '') return undefined;
  const part = /(\d+(?:\.\d+)?)\s*([a-zµ]+)\s*/iy;
  let total = 0;
  for (let at = 0; at < text.length; at = part.lastIndex) {
    part.lastIndex = at;
    const m = part.exec(text);
    const mult = m ? units[m[2].toLowerCase()] : undefined;
    if (mult === undefined) return undefined;
    total += Number(m![1]) * mult;
  }
  return total;
}

/** A whole non-negative count no larger than 2^53 - 1, or undefined (overflow, NaN). */
function whole(n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  const r = Math.round(n);
  return Number.isSafeInteger(r) && r >= 0 ? r : undefined;
}

/**
 * Milliseconds in a duration: `500ms`, `30s`, `5m`, `1h30m`, `1.5h`, `2d`, `2w`, or a bare
 * number (YAML number or numeric text) of seconds; undefined for anything else (negative,
 * empty, unknown unit, beyond 2^53 ms). Fractions are allowed; the result is rounded to 1 ms.
 */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? whole(v * 1000) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return whole(BARE.test(s) ? Number(s) * 1000 : sumParts(s, DURATION_MS));
}

/**
 * The longest period of a timer key (an interval, a timeout): 24d. Node runs a longer
 * setTimeout/setInterval after 1 ms instead (its limit is 2^31 - 1 ms, about 24.8 days).
 */
export const MAX_TIMER_MS = 24 * 86_400_000;

/** The text a bad duration gets, after the key or value it names. */
export const DURATION_HINT = 'e.g. 500ms, 30s, 5m, 1h30m, 2d, 2w or a number of seconds';

/** parseDuration, throwing an Error `not a duration: "x" (use e.g. ...)` instead of undefined. */
export function requireDuration(v: unknown): number {
  const ms = parseDuration(v);
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(v) ?? String(v)} (${DURATION_HINT})`);
  return ms;
}

/**
 * Bytes in a size: `512MB` (10^6), `1GiB` (2^30), `64k` (64000), `35.4 MiB`, or a bare number
 * of bytes; rounded to a whole byte; undefined for anything else (negative, unknown unit,
 * beyond 2^53).
 */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? whole(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  const mult = m ? SIZE_BYTES[m[2].toLowerCase()] : undefined;
  return mult === undefined ? undefined : whole(Number(m![1]) * mult);
}

/** The text a bad size gets, after the key or value it names. */
export const SIZE_HINT = 'e.g. 64KiB, 512MB, 1GiB or a number of bytes; k, MB: powers of 1000, KiB, MiB: of 1024';

/**
 * Nanoseconds in a duration as a tool printed it: everything parseDuration reads, plus
 * `ns`/`us`, words (`18.57 seconds`, `1 minute, 2 seconds`, `2 hours and 5 mins`) and
 * clock forms (`0:45`, `1:02:03.5`); undefined for anything else.
 */
export function parseLoggedDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? whole(v * 1e9) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().replace(/,|\band\b/g, ' ').replace(/\s+/g, ' ').trim();
  if (BARE.test(s)) return whole(Number(s) * 1e9);
  const clock = CLOCK.exec(s);
  if (clock) {
    const sec = Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]) + Number(`0.${clock[4] ?? 0}`);
    return whole(sec * 1e9);
  }
  return whole(sumParts(s, LOGGED_NS));
}
