/**
 * The rule file schema: validates one parsed YAML document into a RuleSpec, with errors
 * that name the file and the key. Severity defaults from the category (the guide's
 * matrix: security incident and service outage P1, performance and container P2, backup
 * and monitoring P3); security rules must carry MITRE ATT&CK technique ids.
 */
import { createHash } from 'node:crypto';
import { parseDuration } from '@vigil/proto';
import { parseAllowlist } from './allowlist.js';
import type { RuleCategory, RuleSpec, RuleType } from './types.js';
import type { Severity } from '../model.js';

export class RuleError extends Error {}

const TYPES: RuleType[] = ['match', 'threshold', 'distinct', 'sequence', 'absence', 'sustained'];
const CATEGORY_SEVERITY: Record<RuleCategory, Severity> = {
  security: 'P1', outage: 'P1', performance: 'P2', container: 'P2', backup: 'P3', monitoring: 'P3',
};
const KEYS: Record<string, RuleType[] | 'all'> = {
  id: 'all', name: 'all', description: 'all', severity: 'all', category: 'all', technique: 'all', type: 'all',
  kind: 'all', where: 'all', group_by: 'all', cooldown: 'all', resolve_after: 'all', allowlist: 'all', max_keys: 'all',
  threshold: ['threshold', 'distinct'], window: ['threshold', 'distinct', 'sequence'], sum_field: ['threshold'],
  distinct_field: ['distinct'], steps: ['sequence'], condition: ['sustained'], for: ['absence', 'sustained'],
  keys: ['absence'], suppressed_by: ['match', 'threshold', 'distinct', 'sequence', 'sustained'],
};

export function validateRule(doc: unknown, file: string): RuleSpec {
  const err = (key: string, msg: string) => new RuleError(`${file}: ${key}: ${msg}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RuleError(`${file}: expected a YAML map`);
  const d = doc as Record<string, unknown>;
  const type = d.type as RuleType;
  if (!TYPES.includes(type)) throw err('type', `expected one of ${TYPES.join(', ')}`);
  for (const k of Object.keys(d)) {
    const allowed = KEYS[k];
    if (!allowed) throw err(k, 'unknown key');
    if (allowed !== 'all' && !allowed.includes(type)) throw err(k, `not valid for type ${type}`);
  }
  const str = (k: string, required = true): string => {
    const v = d[k];
    if (v === undefined && !required) return '';
    if (typeof v !== 'string' || !v.trim()) throw err(k, 'expected a non-empty string');
    return v.trim();
  };
  const dur = (k: string, dflt?: number): number => {
    if (d[k] === undefined) { if (dflt === undefined) throw err(k, 'required'); return dflt; }
    const ms = parseDuration(d[k]);
    if (ms === undefined || ms <= 0) throw err(k, `'${String(d[k])}' is not a duration (e.g. 30s, 15m, 6h)`);
    return ms;
  };
  const int = (k: string, dflt?: number): number => {
    const v = d[k] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw err(k, 'expected a positive integer');
    return v;
  };
  const strList = (v: unknown, k: string): string[] => {
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || !x)) throw err(k, 'expected a string or a list of strings');
    return list as string[];
  };
  const map = (k: string, v: unknown): Record<string, unknown> => {
    if (v === undefined) return {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw err(k, 'expected a map');
    return v as Record<string, unknown>;
  };

  const id = str('id');
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw err('id', 'use lower-case letters, digits, dots, dashes');
  const category = str('category') as RuleCategory;
  if (!(category in CATEGORY_SEVERITY)) throw err('category', `expected one of ${Object.keys(CATEGORY_SEVERITY).join(', ')}`);
  const severity = (d.severity === undefined ? CATEGORY_SEVERITY[category] : d.severity) as Severity;
  if (!['P1', 'P2', 'P3', 'P4'].includes(severity)) throw err('severity', 'expected P1, P2, P3 or P4');
  const technique = d.technique === undefined ? [] : strList(d.technique, 'technique');
  for (const t of technique) if (!/^T\d{4}(\.\d{3})?$/.test(t)) throw err('technique', `'${t}' is not an ATT&CK technique id (T1110, T1110.001)`);
  if (category === 'security' && technique.length === 0) throw err('technique', 'security rules need MITRE ATT&CK technique ids');

  const spec: RuleSpec = {
    id, name: str('name'), description: str('description'), severity, category, technique, type,
    kind: d.kind === undefined ? undefined : strList(d.kind, 'kind'),
    where: map('where', d.where),
    groupBy: d.group_by === undefined ? [] : strList(d.group_by, 'group_by'),
    threshold: 1, windowMs: 0, forMs: 0,
    cooldownMs: dur('cooldown', 3_600_000),
    resolveAfterMs: dur('resolve_after', 1_800_000),
    suppressedBy: d.suppressed_by === undefined ? [] : strList(d.suppressed_by, 'suppressed_by'),
    allowlist: parseAllowlist(d.allowlist, `${file}: allowlist`),
    maxKeys: int('max_keys', 10_000),
    file, digest: '',
  };
  if (type === 'threshold' || type === 'distinct') {
    spec.threshold = int('threshold');
    spec.windowMs = dur('window');
  }
  if (type === 'threshold' && d.sum_field !== undefined) spec.sumField = str('sum_field');
  if (type === 'distinct') spec.distinctField = str('distinct_field');
  if (type === 'sequence') {
    spec.windowMs = dur('window');
    if (!Array.isArray(d.steps) || d.steps.length < 2) throw err('steps', 'expected a list of at least 2 steps');
    spec.steps = d.steps.map((s, i) => {
      const k = `steps[${i}]`;
      const m = map(k, s);
      for (const key of Object.keys(m)) if (!['where', 'count', 'sum_field'].includes(key)) throw err(`${k}.${key}`, 'unknown key (use where, count, sum_field)');
      const count = m.count ?? 1;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw err(`${k}.count`, 'expected a positive integer');
      if (m.sum_field !== undefined && typeof m.sum_field !== 'string') throw err(`${k}.sum_field`, 'expected a field name');
      return { where: map(`${k}.where`, m.where), count, sumField: m.sum_field as string | undefined };
    });
  }
  if (spec.suppressedBy.includes(id)) throw err('suppressed_by', 'a rule cannot suppress itself');
  if (type === 'absence' || type === 'sustained') spec.forMs = dur('for');
  if (type === 'sustained') spec.condition = map('condition', d.condition ?? (() => { throw err('condition', 'required'); })());
  if (type === 'absence' && d.keys !== undefined) {
    if (!Array.isArray(d.keys)) throw err('keys', 'expected a list of maps (group field: value)');
    spec.keys = d.keys.map((k, i) => {
      const m = map(`keys[${i}]`, k);
      for (const g of spec.groupBy) if (typeof m[g] !== 'string') throw err(`keys[${i}].${g}`, 'each declared key needs every group_by field as a string');
      return m as Record<string, string>;
    });
  }
  if (type === 'absence' && spec.groupBy.some((g) => g.includes('|'))) throw err('group_by', 'absence keys cannot use alternatives (a|b)');
  const { file: _f, digest: _d, ...rest } = spec;
  spec.digest = createHash('sha1').update(JSON.stringify(rest)).digest('hex');
  return spec;
}
