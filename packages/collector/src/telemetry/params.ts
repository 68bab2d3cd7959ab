/**
 * Query-string validation only the telemetry routes need: steps as durations in the one
 * grammar (`30s`, `5m`, `1h30m`, `1d` or plain seconds) and plain names; times and integers
 * are api/params.ts's. Each parser throws BadParameter naming the parameter (answered 400).
 */
import { parseDuration } from '@vigil/proto';
import { BadParameter } from '../api/errors.js';
import { one, type Query } from '../api/params.js';

export function stepParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v) ?? NaN;
  if (!(ms >= 1000) || ms > 366 * 86_400_000) throw new BadParameter(name, `${name} must be a duration from 1s to 366d, e.g. 60s or 5m`);
  return ms;
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
