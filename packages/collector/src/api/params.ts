/**
 * Strict parsing of query-string values for every route (core, telemetry, compliance,
 * reports, alerts): a value given once, RFC 3339 times, integers in a range, one of a set,
 * UTC dates.
 * Each parser throws BadParameter (errors.ts) naming the parameter, answered as 400
 * `{"error", "parameter"}`.
 */
import { BadParameter } from './errors.js';
import { parseRfc3339 } from './rfc3339.js';

export type Query = Record<string, unknown>;

/** A single string value (a repeated parameter is refused). */
export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadParameter(name, 'give it once, as a single value');
  return v;
}

export function timeParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const ms = parseRfc3339(v);
  if (ms === undefined) throw new BadParameter(name, `expected an RFC 3339 time, e.g. 2026-01-31T12:00:00Z, got ${JSON.stringify(v.slice(0, 64))}`);
  return ms;
}

export function intParam(q: Query, name: string, min: number, max: number): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new BadParameter(name, `an integer from ${min} to ${max}`);
  return Number(v);
}

export function enumParam<T extends string>(q: Query, name: string, allowed: readonly T[], dflt: T): T {
  const v = one(q, name);
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new BadParameter(name, `one of ${allowed.join(', ')}`);
  return v as T;
}

/** A UTC date `YYYY-MM-DD` (a real calendar day), else `dflt` when absent. */
export function dateParam(q: Query, name: string, dflt: string): string {
  const v = one(q, name);
  if (v === undefined) return dflt;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new BadParameter(name, `expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
  return v;
}
