/**
 * The rules engine's public shapes: the compiled rule, the event the engine consumes, the
 * alert state change it emits (AlertUpdate) and the AlertSink through which the alerts
 * module (persistence, API, feed, outputs) receives those changes. Both sides code
 * against this file only, so either can land first.
 */
import type { EcsFields, Severity } from '../model.js';
import type { Predicate } from './filter.js';
import type { Allowlist } from './allowlist.js';

export type EvidenceId = number | string;

/** One event offered to the engine: an id for evidence, its kind and its ECS fields. */
export interface RuleEvent {
  id: EvidenceId;
  /** StoredEvent.kind ('log', 'metric', 'container', ...) or 'heartbeat'; optional. */
  kind?: string;
  fields: EcsFields;
}

export type RuleCategory = 'security' | 'outage' | 'performance' | 'container' | 'backup' | 'monitoring';

/** A rule as written in YAML, after validation (durations in ms). */
export interface RuleSpec {
  id: string;
  name: string;
  description: string;
  severity: Severity;
  category: RuleCategory;
  technique: string[];
  /** A rule type: a key of RULE_TYPES (rule-types.ts), checked by the schema. */
  type: string;
  kind?: string[];
  where: Record<string, unknown>;
  groupBy: string[];
  /** threshold / distinct: the count to reach; sequence: unused. */
  threshold: number;
  windowMs: number;
  sumField?: string;
  distinctField?: string;
  steps?: Array<{ where: Record<string, unknown>; count: number; sumField?: string }>;
  condition?: Record<string, unknown>;
  /** absence: the quiet time; sustained: how long the condition must hold. */
  forMs: number;
  keys?: Array<Record<string, string>>;
  cooldownMs: number;
  resolveAfterMs: number;
  /**
   * Ids of rules that flag the same episode first (e.g. the fast brute-force rule for the
   * slow one): while one of them has an open alert for the same group, or had one active
   * within this rule's window, this rule opens none.
   */
  suppressedBy: string[];
  allowlist: { addresses: string[]; users: string[]; hosts: string[] };
  maxKeys: number;
  /** Where the rule came from (file path), for messages. */
  file: string;
  /** A stable digest of the spec; reload keeps state when it is unchanged. */
  digest: string;
}

/** A rule ready to run: its spec plus predicates compiled once. */
export interface CompiledRule {
  spec: RuleSpec;
  where: Predicate;
  steps?: Predicate[];
  condition?: Predicate;
  allow: Allowlist;
  /** Group fields, each a list of alternatives ('source.ip|source.address'). */
  group: string[][];
}

/** An alert state change, as the engine emits it. */
export interface AlertUpdate {
  /** Unique id of this alert (stable across its updates, its resolution and a reopening). */
  id: string;
  /** Rule id + canonical group: at most one open alert per key. */
  key: string;
  rule: { id: string; name: string; severity: Severity; technique?: string[] };
  group: Record<string, string>;
  /** Attempts/events counted into this alert (sum_field-weighted). */
  count: number;
  first_seen: string;   // RFC 3339, event time
  last_seen: string;    // RFC 3339, event time
  /** Event ids (store row ids live; byte offsets in replay): first 10 + last 10. */
  evidence: EvidenceId[];
  agent?: string;
  status: 'open' | 'resolved';
  change: 'opened' | 'updated' | 'resolved';
}

/**
 * Implemented by the alerts module. The rules module calls it synchronously and does not
 * wait: the alerts service takes the updates' place on the write queue at the call (so
 * after the batches of their evidence) and its promise settles once they are stored.
 */
export interface AlertSink {
  apply(update: AlertUpdate): void | Promise<void>;
  /** Applies several updates at once (one write command), in order. */
  applyAll?(updates: AlertUpdate[]): void | Promise<void>;
}

/** Per-rule counters, for /metrics. */
export interface RuleStats {
  rule: string;
  events: number;
  keys: number;
  evictions: number;
  alerts_opened: number;
  alerts_open: number;
}
