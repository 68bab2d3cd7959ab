/**
 * Loads a ruleset folder: every `<id>.yaml` (not `*.cases.yaml`) is one rule, validated
 * against the schema and compiled (filters, allowlist) once. Any error - YAML syntax,
 * schema, filter, duplicate id, file name not matching the id - fails the whole load with
 * a message naming the file and key, so a reload can keep the previous ruleset.
 * Process-wide caches of pure data (shared by every collector in the process): compiled
 * global allowlists per spec and shared `where` predicates (their memo is per event object).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileWhere, FilterError, type Predicate } from './filter.js';
import type { EcsFields } from '../model.js';
import { compileAllowlist, type Allowlist, type AllowlistSpec } from './allowlist.js';
import { RuleError, validateRule } from './schema.js';
import { ruleType } from './rule-types.js';
import type { CompiledRule, RuleSpec } from './types.js';

export function isRuleFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.cases\.ya?ml$/.test(name);
}

export function loadRuleSpecs(dir: string): RuleSpec[] {
  let names: string[];
  try { names = readdirSync(dir).filter(isRuleFile).sort(); } catch (e) {
    throw new RuleError(`${dir}: cannot read the rules folder (${(e as Error).message})`);
  }
  const specs: RuleSpec[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    let doc: unknown;
    try { doc = parse(readFileSync(file, 'utf8')); } catch (e) {
      throw new RuleError(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    const spec = validateRule(doc, file);
    if (name.replace(/\.ya?ml$/, '') !== spec.id) throw new RuleError(`${file}: id: '${spec.id}' must match the file name`);
    if (seen.has(spec.id)) throw new RuleError(`${file}: id: '${spec.id}' is already defined in ${seen.get(spec.id)}`);
    seen.set(spec.id, file);
    specs.push(spec);
  }
  for (const spec of specs) {
    for (const other of spec.suppressedBy) {
      const o = specs.find((s) => s.id === other);
      if (!o) throw new RuleError(`${spec.file}: suppressed_by: no rule '${other}' in this ruleset`);
      if (o.groupBy.join(',') !== spec.groupBy.join(',')) throw new RuleError(`${spec.file}: suppressed_by: '${other}' groups by ${o.groupBy.join(', ') || 'nothing'}, this rule by ${spec.groupBy.join(', ') || 'nothing'} (they must flag the same groups)`);
    }
  }
  return specs;
}

const globals = new WeakMap<AllowlistSpec, Allowlist>();

/** One compiled global allowlist per spec, shared by every rule (its answer is memoised per event). */
function globalAllowlist(spec: AllowlistSpec): Allowlist {
  let g = globals.get(spec);
  if (!g) { g = compileAllowlist(spec); globals.set(spec, g); }
  return g;
}

function ruleAllowlist(spec: RuleSpec, global: AllowlistSpec): Allowlist {
  const g = globalAllowlist(global);
  const a = spec.allowlist;
  if (!a.addresses.length && !a.users.length && !a.hosts.length) return g;
  const own = compileAllowlist(a);
  return (f) => own(f) || g(f);
}

/**
 * Rules often share a filter (the SSH rules select the same failures): identical `where`
 * maps compile to one predicate that remembers its answer for the last event, so each
 * event is tested once. Events' field objects are not mutated once offered to the engine.
 */
const shared = new Map<string, Predicate>();

function compileShared(where: Record<string, unknown>, path: string): Predicate {
  const key = JSON.stringify(where);
  let p = shared.get(key);
  if (!p) {
    const test = compileWhere(where, path);
    let lastF: EcsFields | null = null;
    let lastR = false;
    p = (f) => { if (f !== lastF) { lastF = f; lastR = test(f); } return lastR; };
    if (shared.size > 1000) shared.clear();
    shared.set(key, p);
  }
  return p;
}

export function compileRule(spec: RuleSpec, global: AllowlistSpec): CompiledRule {
  try {
    return {
      spec,
      where: compileShared(spec.where, 'where'),
      ...ruleType(spec.type).compile?.(spec, compileShared),
      allow: ruleAllowlist(spec, global),
      group: spec.groupBy.map((g) => g.split('|').map((s) => s.trim())),
    };
  } catch (e) {
    if (e instanceof FilterError) throw new RuleError(`${spec.file}: ${e.message}`);
    throw e;
  }
}

export function loadRuleset(dir: string, global: AllowlistSpec): CompiledRule[] {
  return loadRuleSpecs(dir).map((s) => compileRule(s, global));
}
