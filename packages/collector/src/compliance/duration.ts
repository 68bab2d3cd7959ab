/**
 * Duration and time-of-day parsing for compliance settings: "45s", "30m", "6h", "90d",
 * plain numbers as seconds, and "HH:MM" UTC deadlines. Errors say what was wrong.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration ("6h", "1h30m", 90 = seconds) into ms; throws an Error naming the bad value. */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v * 1000;
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
    if (/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(s)) {
      let ms = 0;
      for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNITS[m[2]];
      return ms;
    }
  }
  throw new Error(`not a duration: ${JSON.stringify(v)} (use e.g. 30m, 6h, 90d)`);
}

/** Parses "HH:MM" into ms after UTC midnight. */
export function parseTimeOfDay(v: unknown): number {
  const m = typeof v === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(v) : null;
  if (!m) throw new Error(`not a UTC time of day: ${JSON.stringify(v)} (use HH:MM)`);
  return Number(m[1]) * 3_600_000 + Number(m[2]) * 60_000;
}

export const DAY_MS = 86_400_000;

/** UTC midnight of the day holding ms. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** YYYY-MM-DD of the UTC day holding ms. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
