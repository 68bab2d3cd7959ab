/**
 * The engine's alert book: at most one alert per (rule, group) key, opened when a bucket
 * fires, updated (count, last_seen, bounded evidence: first 10 + last 10 ids) while the
 * condition goes on, resolved after `resolve_after` of quiet event time, and reopened
 * under the same id when the key fires again within `cooldown`. State changes are queued
 * and drained as AlertUpdates, coalescing repeated updates of one alert between drains.
 */
import { createHash } from 'node:crypto';
import { KeyedState } from './keyed.js';
import { valueHash } from './key-index.js';
import { ruleType } from './rule-types.js';
import type { Firing } from './buckets/bucket.js';
import type { AlertUpdate, CompiledRule, EvidenceId } from './types.js';

export interface AlertState {
  id: string;
  key: string;
  /** The rule-local group key (the book's map key). */
  key0: string;
  rule: CompiledRule;
  group: Record<string, string>;
  count: number;
  firstTs: number;
  lastTs: number;
  head: EvidenceId[];
  tail: EvidenceId[];
  agent?: string;
  status: 'open' | 'resolved';
  /** distinct rules: hashes of the values counted (count = their number), at most MAX_VALUES. */
  values?: Set<number>;
}

/**
 * A distinct alert remembers (as hashes) and counts at most this many values: past it the
 * count stays at 1,000 ("1,000 or more"), so a repeated value is never counted twice.
 */
export const MAX_VALUES = 1000;

const EVIDENCE_HALF = 10;

interface Pending { alert: AlertState; change: AlertUpdate['change']; frozen?: AlertUpdate }

export class AlertBook {
  readonly alerts: KeyedState<AlertState>;
  readonly open = new Set<AlertState>();
  opened = 0;
  private queue: Pending[] = [];
  private readonly live = new Map<AlertState, number>();

  constructor(maxKeys: number) { this.alerts = new KeyedState(maxKeys); }

  get(key: string): AlertState | undefined { return this.alerts.get(key); }

  /** A bucket fired for `key`: opens a new alert, or reopens a recent one (cooldown). */
  fire(rule: CompiledRule, key: string, group: Record<string, string>, f: Firing, agent: string | undefined): void {
    const prev = this.alerts.get(key);
    if (prev && prev.status === 'open') { this.extend(prev, f, agent); return; }
    if (prev && f.firstTs - prev.lastTs < rule.spec.cooldownMs) {
      this.alerts.touch(key, () => prev);
      prev.status = 'open';
      this.open.add(prev);
      this.extend(prev, f, agent);
      return;
    }
    const canon = Object.keys(group).sort().map((k) => `${k}=${group[k]}`).join(',');
    const akey = `${rule.spec.id}:${canon}`;
    const id = `${rule.spec.id}-${createHash('sha1').update(`${akey}@${f.firstTs}`).digest('hex').slice(0, 12)}`;
    const a: AlertState = {
      id, key: akey, key0: key, rule, group, count: f.count, firstTs: f.firstTs, lastTs: f.lastTs,
      head: f.evidence.slice(0, EVIDENCE_HALF), tail: f.evidence.slice(EVIDENCE_HALF).slice(-EVIDENCE_HALF), agent, status: 'open',
    };
    if (f.values) { a.values = new Set(); a.count = 0; for (const v of f.values) countValue(a, v); }
    this.alerts.set(key, a);
    this.open.add(a);
    this.opened++;
    this.enqueue(a, 'opened');
  }

  /** One more event of an open alert's condition (`value`: its distinct_field value). */
  touch(a: AlertState, ts: number, id: EvidenceId, weight: number, agent: string | undefined, value?: string): void {
    this.alerts.touch(a.key0, () => a);
    if (a.values === undefined) a.count += weight;
    else if (value !== undefined) countValue(a, value);
    if (ts > a.lastTs) a.lastTs = ts;
    addEvidence(a, id);
    if (agent && !a.agent) a.agent = agent;
    this.enqueue(a, 'updated');
  }

  resolve(a: AlertState, ts?: number): void {
    if (a.status !== 'open') return;
    if (ts !== undefined && ts > a.lastTs) { a.lastTs = ts; this.alerts.touch(a.key0, () => a); }
    a.status = 'resolved';
    this.open.delete(a);
    this.enqueue(a, 'resolved');
  }

  /** Resolves alerts quiet for resolve_after at watermark `wm`; forgets old resolved ones. */
  advance(wm: number): void {
    for (const a of this.open) if (wm - a.lastTs >= a.rule.spec.resolveAfterMs && ruleType(a.rule.spec.type).resolves === 'quiet') this.resolve(a);
    // Alerts are kept in order of last activity: stop at the first recent resolved one.
    this.alerts.sweep((_k, a) => (a.status === 'open' ? 'keep' : wm - a.lastTs >= a.rule.spec.cooldownMs ? 'drop' : 'stop'));
  }

  drain(): AlertUpdate[] {
    const out = this.queue.map((p) => p.frozen ?? snapshot(p.alert, p.change));
    this.queue = [];
    this.live.clear();
    return out;
  }

  private extend(a: AlertState, f: Firing, agent: string | undefined): void {
    if (a.values !== undefined && f.values) for (const v of f.values) countValue(a, v);
    else a.count += f.count;
    if (f.lastTs > a.lastTs) a.lastTs = f.lastTs;
    for (const id of f.evidence) addEvidence(a, id);
    if (agent && !a.agent) a.agent = agent;
    this.enqueue(a, 'updated');
  }

  private enqueue(a: AlertState, change: AlertUpdate['change']): void {
    const i = this.live.get(a);
    if (i !== undefined) {
      const p = this.queue[i];
      if (change === 'updated' && p.change !== 'resolved') return; // the pending entry carries the latest state
      p.frozen = snapshot(a, p.change);
    }
    this.live.set(a, this.queue.length);
    this.queue.push({ alert: a, change });
  }
}

/** A distinct rule's value: counted once per alert, up to MAX_VALUES values. */
function countValue(a: AlertState, v: string): void {
  const set = a.values!;
  if (set.size >= MAX_VALUES) return;
  const h = valueHash(v);
  if (set.has(h)) return;
  set.add(h);
  a.count = set.size;
}

function addEvidence(a: AlertState, id: EvidenceId): void {
  if (a.head.length < EVIDENCE_HALF) { a.head.push(id); return; }
  a.tail.push(id);
  if (a.tail.length > EVIDENCE_HALF) a.tail.shift();
}

export function snapshot(a: AlertState, change: AlertUpdate['change']): AlertUpdate {
  const s = a.rule.spec;
  return {
    id: a.id, key: a.key,
    rule: { id: s.id, name: s.name, severity: s.severity, ...(s.technique.length ? { technique: s.technique } : {}) },
    group: { ...a.group }, count: a.count,
    first_seen: new Date(a.firstTs).toISOString(), last_seen: new Date(a.lastTs).toISOString(),
    evidence: [...a.head, ...a.tail], ...(a.agent ? { agent: a.agent } : {}),
    status: change === 'resolved' ? 'resolved' : 'open', change,
  };
}
