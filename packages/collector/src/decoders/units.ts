/**
 * Units in backup and deployment logs: sizes (`123`, `1.2GB`, `35.4 MiB`, `4.895 MiB`) to
 * bytes and durations (`45`, `45s`, `12m`, `1h30m`, `18.57 seconds`, `0:00`) to ECS
 * nanoseconds. Decimal units are powers of 1000, binary (`KiB`, `MiB`) of 1024.
 */

const SIZE: Record<string, number> = {
  b: 1, '': 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, pib: 1024 ** 5,
};
const DUR: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, sec: 1e9, secs: 1e9, second: 1e9, seconds: 1e9,
  m: 60e9, min: 60e9, mins: 60e9, minute: 60e9, minutes: 60e9, h: 3600e9, hour: 3600e9, hours: 3600e9, d: 86400e9,
};

/** Bytes in a size string or number, or undefined if it is not one. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) return undefined;
  const mult = SIZE[m[2].toLowerCase()];
  return mult === undefined ? undefined : Math.round(parseFloat(m[1]) * mult);
}

/** Nanoseconds in a duration (plain numbers are seconds), or undefined. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1e9) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().replace(/,|\band\b/g, ' ').replace(/\s+/g, ' ');
  if (/^\d+(?:\.\d+)?$/.test(s)) return Math.round(parseFloat(s) * 1e9);
  const clock = /^(?:(\d+):)?(\d+):(\d{2})(?:\.(\d+))?$/.exec(s);
  if (clock) {
    const sec = (Number(clock[1] ?? 0) * 3600) + Number(clock[2]) * 60 + Number(clock[3]);
    return Math.round((sec + Number(`0.${clock[4] ?? 0}`)) * 1e9);
  }
  if (!/^(?:\d+(?:\.\d+)?\s*[a-zA-Zµ]+\s*)+$/.test(s)) return undefined;
  const re = /(\d+(?:\.\d+)?)\s*([a-zA-Zµ]+)/g;
  let total = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const mult = DUR[m[2].toLowerCase()];
    if (mult === undefined) return undefined;
    total += parseFloat(m[1]) * mult;
  }
  return Math.round(total);
}
