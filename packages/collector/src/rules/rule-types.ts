/**
 * The rule types, one descriptor each in RULE_TYPES: the YAML keys a type adds and how
 * they are validated into the spec, the predicates it compiles, the filter the rule
 * index files it under, its bucket, how its alerts resolve, and its line of the docs.
 * The schema, loader, runtime, index, engine, alert book and the docs test read this
 * table; a new rule type is one entry here (and its bucket in buckets/).
 */
import { AbsenceBucket } from './buckets/absence.js';
import { DistinctBucket } from './buckets/distinct.js';
import { MatchBucket } from './buckets/match.js';
import { SequenceBucket } from './buckets/sequence.js';
import { SustainedBucket } from './buckets/sustained.js';
import { ThresholdBucket } from './buckets/threshold.js';
import type { Bucket } from './buckets/bucket.js';
import type { Predicate } from './filter.js';
import type { EcsFields } from '../model.js';
import type { CompiledRule, RuleSpec } from './types.js';

/** The schema's readers of one rule document; each throws a RuleError naming file and key. */
export interface SpecReader {
  readonly doc: Record<string, unknown>;
  err(key: string, msg: string): Error;
  str(key: string): string;
  /** A positive duration in ms; `dflt` when absent, else required. */
  dur(key: string, dflt?: number): number;
  /** A positive integer; `dflt` when absent, else required. */
  int(key: string, dflt?: number): number;
  /** A map ({} when absent). */
  map(key: string, v: unknown): Record<string, unknown>;
  /** A list of at least `min` items (undefined when absent and min is 0), else `msg`. */
  list(key: string, min: number, msg: string): unknown[] | undefined;
}

export interface RuleTypeDescriptor {
  /** The YAML keys this type adds to the common ones. */
  keys: readonly string[];
  /** Whether `suppressed_by` applies to it. */
  suppressible: boolean;
  /**
   * How its alerts resolve: 'quiet' after `resolve_after` without a new event; 'event'
   * when the key's next event arrives (the event then feeds the bucket and fires nothing).
   */
  resolves: 'quiet' | 'event';
  /** Validates this type's keys of `read.doc` into `spec`. */
  parse(spec: RuleSpec, read: SpecReader): void;
  /** The predicates it needs beyond `where` (`compileWhere` names the path in its errors). */
  compile?(spec: RuleSpec, compileWhere: (where: Record<string, unknown>, path: string) => Predicate): Pick<CompiledRule, 'steps' | 'condition'>;
  /**
   * The filters that all select the rule's events, for the rule index (default [where]):
   * only a field constrained by every one of them can index the rule.
   */
  selectors?(spec: RuleSpec): Array<Record<string, unknown>>;
  /** A fresh bucket for one rule; `groupOf` gives an event's group. */
  bucket(rule: CompiledRule, groupOf: (f: EcsFields) => Record<string, string>): Bucket;
  /** Its paragraph in ruleset/detections/README.md (checked by a test). */
  doc: string;
}

const countOver = (spec: RuleSpec, read: SpecReader): void => {
  spec.threshold = read.int('threshold');
  spec.windowMs = read.dur('window');
};

/** In the order the docs and the schema's error messages list them. */
export const RULE_TYPES: Readonly<Record<string, RuleTypeDescriptor>> = {
  match: {
    keys: [], suppressible: true, resolves: 'quiet',
    parse() {},
    bucket: () => new MatchBucket(),
    doc: 'fires on every selected event.',
  },
  threshold: {
    keys: ['threshold', 'window', 'sum_field'], suppressible: true, resolves: 'quiet',
    parse(spec, read) {
      countOver(spec, read);
      if (read.doc.sum_field !== undefined) spec.sumField = read.str('sum_field');
    },
    bucket: ({ spec: s }) => new ThresholdBucket(s.threshold, s.windowMs, s.maxKeys),
    doc: 'fires when the events of a key within `window` reach `threshold`, each weighted by `sum_field` if set (absent = 1, e.g. `vigil.attempts`).',
  },
  distinct: {
    keys: ['threshold', 'window', 'distinct_field'], suppressible: true, resolves: 'quiet',
    parse(spec, read) {
      countOver(spec, read);
      spec.distinctField = read.str('distinct_field');
    },
    bucket: ({ spec: s }) => new DistinctBucket(s.threshold, s.windowMs, s.distinctField!, s.maxKeys),
    doc: 'fires when `distinct_field` takes `threshold` distinct values within `window`.',
  },
  sequence: {
    keys: ['window', 'steps'], suppressible: true, resolves: 'quiet',
    parse(spec, read) {
      spec.windowMs = read.dur('window');
      spec.steps = read.list('steps', 2, 'expected a list of at least 2 steps')!.map((s, i) => {
        const k = `steps[${i}]`;
        const m = read.map(k, s);
        for (const key of Object.keys(m)) if (!['where', 'count', 'sum_field'].includes(key)) throw read.err(`${k}.${key}`, 'unknown key (use where, count, sum_field)');
        const count = m.count ?? 1;
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw read.err(`${k}.count`, 'expected a positive integer');
        if (m.sum_field !== undefined && typeof m.sum_field !== 'string') throw read.err(`${k}.sum_field`, 'expected a field name');
        return { where: read.map(`${k}.where`, m.where), count, sumField: m.sum_field as string | undefined };
      });
    },
    compile: (spec, compileWhere) => ({ steps: spec.steps!.map((s, i) => compileWhere(s.where, `steps[${i}].where`)) }),
    selectors: (spec) => spec.steps!.map((st) => ({ ...spec.where, ...st.where })),
    bucket: (rule) => new SequenceBucket(rule.spec.steps!.map((st, i) => ({ match: rule.steps![i], count: st.count, sumField: st.sumField })), rule.spec.windowMs, rule.spec.maxKeys),
    doc: 'fires when `steps` (each `{ where, count, sum_field }`) happen in order for a key, each within `window` of the latest event of the steps before.',
  },
  absence: {
    keys: ['for', 'keys'], suppressible: false, resolves: 'event',
    parse(spec, read) {
      spec.forMs = read.dur('for');
      spec.keys = read.list('keys', 0, 'expected a list of maps (group field: value)')?.map((k, i) => {
        const m = read.map(`keys[${i}]`, k);
        for (const g of spec.groupBy) if (typeof m[g] !== 'string') throw read.err(`keys[${i}].${g}`, 'each declared key needs every group_by field as a string');
        return m as Record<string, string>;
      });
      if (spec.groupBy.some((g) => g.includes('|'))) throw read.err('group_by', 'absence keys cannot use alternatives (a|b)');
    },
    bucket({ spec: s }, groupOf) {
      const declared = (s.keys ?? []).map((g) => {
        const group: Record<string, string> = {};
        for (const f of s.groupBy) group[f] = g[f];
        return { key: s.groupBy.map((f) => g[f]).join('\u0001'), group };
      });
      return new AbsenceBucket(s.forMs, s.maxKeys, declared, groupOf);
    },
    doc: 'fires when a key (learned from events, or declared in `keys: [{ field: value }]`) has no selected event for `for`.',
  },
  sustained: {
    keys: ['condition', 'for'], suppressible: true, resolves: 'quiet',
    parse(spec, read) {
      spec.forMs = read.dur('for');
      spec.condition = read.map('condition', read.doc.condition ?? (() => { throw read.err('condition', 'required'); })());
    },
    compile: (spec, compileWhere) => ({ condition: compileWhere(spec.condition!, 'condition') }),
    bucket: (rule) => new SustainedBucket(rule.spec.forMs, rule.spec.maxKeys, rule.condition),
    doc: 'fires when every selected event of a key meets `condition` for `for`.',
  },
};

/** The descriptor of a validated spec's type. */
export function ruleType(name: string): RuleTypeDescriptor {
  if (!Object.hasOwn(RULE_TYPES, name)) throw new Error(`unknown rule type '${name}'`);
  return RULE_TYPES[name];
}

/** The "Per type" paragraph of ruleset/detections/README.md, one sentence per type. */
export function ruleTypeDocs(): string {
  return Object.entries(RULE_TYPES).map(([name, t]) => `**${name}** ${t.doc}`).join(' ');
}
