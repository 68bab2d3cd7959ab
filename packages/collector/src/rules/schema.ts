/**
 * The rule file schema: validates one parsed YAML document into a RuleSpec, with errors
 * that name the file and the key. Severity defaults from the category (the guide's
 * matrix: security incident and service outage P1, performance and container P2, backup
 * and monitoring P3); security rules must carry MITRE ATT&CK technique ids.
 */
import { createHash } from 'node:crypto';
import { parseDuration } from '@vigil/proto';
import { parseAllowlist } from './allowlist.js';
import { RULE_TYPES, type SpecReader } from './rule-types.js';
import type { RuleCategory, RuleSpec } from './types.js';
import type { Severity } from '../model.js';

export class RuleError extends Error {}

const CATEGORY_SEVERITY: Record<RuleCategory, Severity> = {
  security: 'P1', outage: 'P1', performance: 'P2', container: 'P2', backup: 'P3', monitoring: 'P3',
};
/** Keys every type accepts; the others come from the types' descriptors (rule-types.ts). */
const COMMON = new Set([
  'id', 'name', 'description', 'severity', 'category', 'technique', 'type',
  'kind', 'where', 'group_by', 'cooldown', 'resolve_after', 'allowlist', 'max_keys',
]);
/** The types (RULE_TYPES) that accept a key other than the common ones. */
function typesAccepting(key: string): string[] {
  return Object.entries(RULE_TYPES).filter(([, t]) => t.keys.includes(key) || (key === 'suppressed_by' && t.suppressible)).map(([name]) => name);
}

export function validateRule(doc: unknown, file: string): RuleSpec {
  const err = (key: string, msg: string) => new RuleError(`${file}: ${key}: ${msg}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RuleError(`${file}: expected a YAML map`);
  const d = doc as Record<string, unknown>;
  const type = d.type;
  if (typeof type !== 'string' || !Object.hasOwn(RULE_TYPES, type)) throw err('type', `expected one of ${Object.keys(RULE_TYPES).join(', ')}`);
  for (const k of Object.keys(d)) {
    if (COMMON.has(k)) continue;
    const allowed = typesAccepting(k);
    if (!allowed.length) throw err(k, 'unknown key');
    if (!allowed.includes(type)) throw err(k, `not valid for type ${type}`);
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
  const list = (k: string, min: number, msg: string): unknown[] | undefined => {
    const v = d[k];
    if (v === undefined && min === 0) return undefined;
    if (!Array.isArray(v) || v.length < min) throw err(k, msg);
    return v;
  };
  RULE_TYPES[type].parse(spec, { doc: d, err, str: (k) => str(k), dur, int, map, list } satisfies SpecReader);
  if (spec.suppressedBy.includes(id)) throw err('suppressed_by', 'a rule cannot suppress itself');
  const { file: _f, digest: _d, ...rest } = spec;
  spec.digest = createHash('sha1').update(JSON.stringify(rest)).digest('hex');
  return spec;
}
