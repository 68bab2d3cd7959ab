/**
 * Parses the human units of the agent config: durations (`250ms`, `10s`, `5m`, `1h`, or a
 * bare number of seconds) and sizes (`512MB`, `1GiB`, `64KiB`, or a bare number of bytes).
 * Returns undefined for anything else, so the caller can name the bad key.
 */

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_BYTES: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** Milliseconds, or undefined when the value is not a duration. Bare numbers are seconds. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_MS[(m[2] ?? 's').toLowerCase()]);
}

/** Bytes, or undefined when the value is not a size. Bare numbers are bytes. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = SIZE_BYTES[(m[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}
