/**
 * One rule at run time: its compiled form, its type's descriptor and bucket, its group-key
 * extraction (with 'a|b' alternatives), its event weight (sum_field) and its counters.
 */
import { ruleType, type RuleTypeDescriptor } from './rule-types.js';
import type { Bucket } from './buckets/bucket.js';
import type { AlertBook } from './alerts.js';
import type { EcsFields } from '../model.js';
import type { CompiledRule } from './types.js';

export class RuleRuntime {
  readonly type: RuleTypeDescriptor;
  readonly bucket: Bucket;
  readonly kinds: Set<string> | null;
  events = 0;
  /** The rule's alerts (kept across reloads of an unchanged or same-id rule). */
  book!: AlertBook;
  /** Last event stamp that visited this rule (the index may offer it twice). */
  stamp = -1;
  /** The rules named in suppressed_by (set by the engine on each ruleset change). */
  suppressors: RuleRuntime[] = [];

  constructor(readonly rule: CompiledRule) {
    const s = rule.spec;
    this.kinds = s.kind ? new Set(s.kind) : null;
    this.type = ruleType(s.type);
    this.bucket = this.type.bucket(rule, (f) => this.group(f));
  }

  /** The key's string ('' for an ungrouped rule), or null when a group field is missing. */
  key(f: EcsFields): string | null {
    const g = this.rule.group;
    if (g.length === 1) return pick(f, g[0]);
    let key = '';
    for (let i = 0; i < g.length; i++) {
      const v = pick(f, g[i]);
      if (v === null) return null;
      key = i === 0 ? v : key + '\u0001' + v;
    }
    return key;
  }

  group(f: EcsFields): Record<string, string> {
    const out: Record<string, string> = {};
    for (const alts of this.rule.group) {
      for (const name of alts) {
        const v = f[name];
        if (v !== undefined && v !== null && v !== '') { out[name] = String(v); break; }
      }
    }
    return out;
  }

  weight(f: EcsFields): number {
    const sf = this.rule.spec.sumField;
    if (!sf) return 1;
    const v = f[sf];
    return v === undefined || v === null ? 1 : Number(v) || 0;
  }
}

function pick(f: EcsFields, alts: string[]): string | null {
  for (const name of alts) {
    const v = f[name];
    if (v !== undefined && v !== null && v !== '') return typeof v === 'string' ? v : String(v);
  }
  return null;
}
