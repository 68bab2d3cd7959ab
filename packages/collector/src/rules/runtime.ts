/**
 * One rule at run time: its compiled form, its bucket (chosen by type), its group-key
 * extraction (with 'a|b' alternatives), its event weight (sum_field) and its counters.
 */
import { AbsenceBucket } from './buckets/absence.js';
import { DistinctBucket } from './buckets/distinct.js';
import { MatchBucket } from './buckets/match.js';
import { SequenceBucket } from './buckets/sequence.js';
import { SustainedBucket } from './buckets/sustained.js';
import { ThresholdBucket } from './buckets/threshold.js';
import type { Bucket } from './buckets/bucket.js';
import type { AlertBook } from './alerts.js';
import type { EcsFields } from '../model.js';
import type { CompiledRule } from './types.js';

export class RuleRuntime {
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
    switch (s.type) {
      case 'match': this.bucket = new MatchBucket(); break;
      case 'threshold': this.bucket = new ThresholdBucket(s.threshold, s.windowMs, s.maxKeys); break;
      case 'distinct': this.bucket = new DistinctBucket(s.threshold, s.windowMs, s.distinctField!, s.maxKeys); break;
      case 'sustained': this.bucket = new SustainedBucket(s.forMs, s.maxKeys); break;
      case 'sequence':
        this.bucket = new SequenceBucket(s.steps!.map((st, i) => ({ match: rule.steps![i], count: st.count, sumField: st.sumField })), s.windowMs, s.maxKeys);
        break;
      case 'absence': {
        const declared = (s.keys ?? []).map((g) => {
          const group: Record<string, string> = {};
          for (const f of s.groupBy) group[f] = g[f];
          return { key: s.groupBy.map((f) => g[f]).join('\u0001'), group };
        });
        this.bucket = new AbsenceBucket(s.forMs, s.maxKeys, declared, (f) => this.group(f));
        break;
      }
    }
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
