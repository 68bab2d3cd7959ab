/**
 * Durations as rules write them: '45s', '1m', '15m', '6h', '1d', '500ms', compounds such
 * as '7h30m', or a number of seconds. Returns milliseconds, or null when not a duration.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : null;
  if (typeof v !== 'string') return null;
  const text = v.trim();
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/.test(text)) return null;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNITS[m[2]];
  return Math.round(ms);
}
