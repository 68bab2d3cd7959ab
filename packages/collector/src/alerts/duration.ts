/**
 * Durations as people write them in config and API bodies: `45s`, `15m`, `2h`, `1d`,
 * `500ms`, or a plain number of seconds. One parser for silences and outputs.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or undefined when the value is not a positive duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v * 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] ?? 's'];
  return ms > 0 ? Math.round(ms) : undefined;
}
