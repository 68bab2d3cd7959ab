/**
 * Time of day and UTC calendar helpers for compliance: "HH:MM" UTC deadlines, the UTC day
 * holding an instant, ISO stamps. Durations ("6h", "1h30m") are @vigil/proto's units.
 */

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
