/**
 * Helpers shared by the evaluators: comparing a value with its threshold, rounding,
 * reading evaluator params with defaults, human-readable ages, and turning an operation
 * row into evidence (event id, time, job or service, status).
 */
import type { OpRow } from '../ops.js';
import { requireDuration } from '@vigil/proto';
import { iso, parseTimeOfDay } from '../duration.js';
import type { CheckDef, Compare, Evidence, Outcome } from '../types.js';

export function passes(value: number, compare: Compare, threshold: number): boolean {
  switch (compare) {
    case '<': return value < threshold;
    case '<=': return value <= threshold;
    case '>': return value > threshold;
    case '>=': return value >= threshold;
  }
}

/** Status from value against the check's own threshold and comparison. */
export function judged(check: CheckDef, value: number, evidence: Evidence[]): Outcome {
  const v = round(value);
  return { status: passes(v, check.compare, check.threshold) ? 'pass' : 'fail', value: v, evidence };
}

export function unknown(summary: string): Outcome {
  return { status: 'unknown', value: null, evidence: [{ summary }] };
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function param(check: CheckDef, key: string, dflt: string): string {
  const v = check.params[key];
  return v === undefined ? dflt : String(v);
}

export function durationParam(check: CheckDef, key: string, dflt: string): number {
  try { return requireDuration(check.params[key] ?? dflt); } catch (e) { throw new Error(`${check.file}: params.${key}: ${(e as Error).message}`); }
}

export function timeOfDayParam(check: CheckDef, key: string, dflt: string): number {
  try { return parseTimeOfDay(check.params[key] ?? dflt); } catch (e) { throw new Error(`${check.file}: params.${key}: ${(e as Error).message}`); }
}

/** "12h 5m", "3d 2h", "45s". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
  if (d > 0) return `${d}d ${h % 24}h`;
  if (h > 0) return `${h}h ${m % 60}m`;
  return `${m}m`;
}

export function opEvidence(op: OpRow, now: number, what: string): Evidence {
  const who = op.family === 'backup' ? op.name ?? '(no job)' : op.name ?? '(no service)';
  const ev: Evidence = {
    event_id: op.event_id, time: iso(op.ts), status: op.action,
    summary: `${what}: ${op.family === 'backup' ? `${op.op_kind ?? 'backup'} backup of ${who}` : `deployment ${op.op_id ?? ''} of ${who}${op.version ? ` ${op.version}` : ''}`.replace('  ', ' ')} ${op.action} at ${iso(op.ts)} (${ago(now - op.ts)} ago)`,
  };
  if (op.family === 'backup') { ev.job = op.name; ev.kind = op.op_kind; } else { ev.service = op.name; ev.deployment_id = op.op_id; ev.version = op.version; }
  if (op.error) ev.error = op.error;
  return ev;
}
