/**
 * Query-string validation for the telemetry routes: RFC 3339 times, steps as durations
 * (`30s`, `5m`, `1h`, `1d` or plain seconds), bounded integers and plain names. Each parser
 * throws BadParam naming the parameter, which the routes answer as 400.
 */
import { parseRfc3339 } from '../api/rfc3339.js';

export class BadParam extends Error {
  constructor(public readonly parameter: string, message: string) { super(message); }
}


type Query = Record<string, unknown>;

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadParam(name, `${name} must be given once`);
  return v;
}

export function timeParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const ms = parseRfc3339(v);
  if (ms === undefined) throw new BadParam(name, `${name} must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z`);
  return ms;
}

const UNIT: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

export function stepParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(v);
  const ms = m ? Number(m[1]) * UNIT[m[2] ?? 's'] : NaN;
  if (!(ms >= 1000) || ms > 366 * 86_400_000) throw new BadParam(name, `${name} must be a duration from 1s to 366d, e.g. 60s or 5m`);
  return Math.round(ms);
}

export function intParam(q: Query, name: string, min: number, max: number): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new BadParam(name, `${name} must be an integer from ${min} to ${max}`);
  return Number(v);
}

/** A name-like value: non-empty, at most 256 characters, no control characters. */
export function nameParam(q: Query, name: string, required = false): string | undefined {
  const v = one(q, name);
  if (v === undefined) {
    if (required) throw new BadParam(name, `${name} is required`);
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (v === '' || v.length > 256 || /[\u0000-\u001f]/.test(v)) throw new BadParam(name, `${name} must be 1 to 256 printable characters`);
  return v;
}
