/**
 * The one strict RFC 3339 date-time parser (section 5.6) of the API and the config: a
 * full date that exists (no 2026-02-30), hours 00-23, minutes 00-59, seconds 00-59,
 * an optional fraction and a required offset (Z or ±hh:mm). A leap second (second 60)
 * is accepted only at 23:59 UTC and taken as :59 (same fraction). Also the API's ajv
 * `date-time` format, so schema validation and parsing never disagree.
 */

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const daysIn = (y: number, m: number): number =>
  m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/** Milliseconds since the epoch, or undefined when `v` is not a valid RFC 3339 date-time. */
export function parseRfc3339(v: string): number | undefined {
  const m = SHAPE.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 60) return undefined;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // unlike Date.UTC, keeps years 0-99 as given
  const t = date.setUTCHours(h, mi, Math.min(s, 59), ms) - offsetMin * 60_000;
  if (s === 60) {
    const utc = new Date(t);
    if (utc.getUTCHours() !== 23 || utc.getUTCMinutes() !== 59) return undefined; // not a leap second's place
  }
  return t;
}

export const isRfc3339 = (v: string): boolean => parseRfc3339(v) !== undefined;
