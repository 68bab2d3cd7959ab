/**
 * Loads the compliance checks: one YAML file per check in ruleset/compliance/ (files
 * ending in .cases.yaml are test cases, not checks), validated key by key so a bad file
 * fails with its name and the offending key. Collector config overrides (threshold,
 * window, grace per check; a default grace for all) are applied on top.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireDuration } from '@vigil/proto';
import type { CheckDef, Compare, Unit } from './types.js';
import type { ComplianceConfig } from './settings.js';

const UNITS: Unit[] = ['percent', 'seconds', 'count'];
const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
const KNOWN = new Set(['id', 'title', 'guide', 'rationale', 'remediation', 'evaluator', 'window', 'threshold', 'unit', 'compare', 'grace', 'severity', 'params']);
export const DEFAULT_GRACE_MS = 30 * 60_000;

export class CheckFileError extends Error {}

/** Parses one check document; `file` only names it in errors. */
export function parseCheck(doc: unknown, file: string, evaluators: ReadonlySet<string>): CheckDef {
  const fail = (key: string, why: string): never => { throw new CheckFileError(`${file}: ${key}: ${why}`); };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail('(root)', 'expected a mapping');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!KNOWN.has(k)) fail(k, 'unknown key');
  const text = (k: string): string => {
    const v = d[k];
    if (typeof v !== 'string' || !v.trim()) fail(k, 'required text');
    return (v as string).trim();
  };
  const id = text('id');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) fail('id', `bad id ${JSON.stringify(id)}`);
  const evaluator = text('evaluator');
  if (!evaluators.has(evaluator)) fail('evaluator', `unknown evaluator ${JSON.stringify(evaluator)}`);
  const unit = text('unit') as Unit;
  if (!UNITS.includes(unit)) fail('unit', `one of ${UNITS.join(', ')}`);
  const duration = (k: string, dflt?: number): number => {
    if (d[k] === undefined && dflt !== undefined) return dflt;
    try { return requireDuration(d[k]); } catch (e) { return fail(k, (e as Error).message); }
  };
  let threshold: number;
  if (unit === 'seconds') threshold = duration('threshold') / 1000;
  else if (typeof d.threshold === 'number' && Number.isFinite(d.threshold)) threshold = d.threshold;
  else threshold = fail('threshold', 'required number');
  const compare = text('compare') as Compare;
  if (!['<', '<=', '>', '>='].includes(compare)) fail('compare', 'one of <, <=, >, >=');
  const severity = (d.severity ?? 'P2') as CheckDef['severity'];
  if (!SEVERITIES.includes(severity)) fail('severity', 'one of P1..P4');
  const params = d.params ?? {};
  if (typeof params !== 'object' || Array.isArray(params)) fail('params', 'expected a mapping');
  return {
    id, title: text('title'), guide: text('guide'), rationale: text('rationale'), remediation: text('remediation'),
    evaluator, windowMs: duration('window'), threshold, unit, compare, graceMs: duration('grace', DEFAULT_GRACE_MS),
    severity, params: params as Record<string, unknown>, file,
  };
}

/** Loads every check of a folder, sorted by file name; duplicate ids are an error. */
export function loadChecks(dir: string, evaluators: ReadonlySet<string>, config?: ComplianceConfig): CheckDef[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !/\.cases\.ya?ml$/.test(f)).sort();
  const checks: CheckDef[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const path = join(dir, f);
    let doc: unknown;
    try { doc = parse(readFileSync(path, 'utf8')); } catch (e) { throw new CheckFileError(`${path}: ${(e as Error).message}`); }
    const check = parseCheck(doc, path, evaluators);
    if (seen.has(check.id)) throw new CheckFileError(`${path}: id: duplicate check id ${check.id}`);
    seen.add(check.id);
    checks.push(config ? applyOverrides(check, config) : check);
  }
  return checks;
}

function applyOverrides(check: CheckDef, config: ComplianceConfig): CheckDef {
  const o = config.checks[check.id];
  const out = { ...check };
  if (config.graceMs !== undefined) out.graceMs = config.graceMs;
  if (check.evaluator === 'report-exists') {
    // The report check expects the report when the scheduler writes it: compliance.report_time.
    const hhmm = new Date(config.reportAtMs).toISOString().slice(11, 16);
    out.params = { ...check.params, deadline: hhmm };
  }
  if (!o) return out;
  if (o.graceMs !== undefined) out.graceMs = o.graceMs;
  if (o.windowMs !== undefined) out.windowMs = o.windowMs;
  if (o.threshold !== undefined) out.threshold = o.threshold;
  return out;
}
