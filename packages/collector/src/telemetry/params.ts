/**
 * Query-string validation only the telemetry routes need: steps as durations (`30s`, `5m`,
 * `1h`, `1d` or plain seconds) and plain names; times and integers are api/params.ts's. Each
 * parser throws BadParameter naming the parameter, which the routes answer as 400.
 */
import { BadParameter } from '../api/errors.js';
import { one, type Query } from '../api/params.js';

const UNIT: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

export function stepParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(v);
  const ms = m ? Number(m[1]) * UNIT[m[2] ?? 's'] : NaN;
  if (!(ms >= 1000) || ms > 366 * 86_400_000) throw new BadParameter(name, `${name} must be a duration from 1s to 366d, e.g. 60s or 5m`);
  return Math.round(ms);
}

/** A name-like value: non-empty, at most 256 characters, no control characters. */
export function nameParam(q: Query, name: string, required = false): string | undefined {
  const v = one(q, name);
  if (v === undefined) {
    if (required) throw new BadParameter(name, `${name} is required`);
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (v === '' || v.length > 256 || /[\u0000-\u001f]/.test(v)) throw new BadParameter(name, `${name} must be 1 to 256 printable characters`);
  return v;
}
