/**
 * sustained: fires when every selected sample of a key meets the condition for at least
 * `for` of event time (e.g. CPU >= 90% for 5 minutes). A sample that does not meet it, or a
 * gap longer than `for` between samples, restarts the run; a run fires once.
 */
import { KeyedState } from '../keyed.js';
import type { Bucket, Firing } from './bucket.js';
import type { Predicate } from '../filter.js';
import type { EvidenceId, RuleEvent } from '../types.js';

interface Run { start: number; last: number; count: number; ids: EvidenceId[]; fired: boolean }

export class SustainedBucket implements Bucket {
  private readonly keys: KeyedState<Run>;

  /** `condition`: what every sample of a run must meet (the rule's `condition`). */
  constructor(private readonly forMs: number, maxKeys: number, private readonly condition: Predicate = () => true) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  /** A selected sample that does not meet the condition ends the key's run. */
  rejects(key: string, ev: RuleEvent): boolean {
    if (this.condition(ev.fields)) return false;
    this.keys.delete(key);
    return true;
  }

  add(key: string, ts: number, ev: RuleEvent, weight: number): Firing | null {
    let run = this.keys.use(key);
    if (run === undefined) this.keys.put(key, (run = { start: ts, last: ts, count: 0, ids: [], fired: false }));
    if (ts - run.last > this.forMs) Object.assign(run, { start: ts, count: 0, ids: [], fired: false });
    if (ts > run.last) run.last = ts;
    if (ts < run.start) run.start = ts;
    run.count += weight;
    if (run.ids.length < 20) run.ids.push(ev.id);
    if (run.fired || run.last - run.start < this.forMs) return null;
    run.fired = true;
    return { count: run.count, firstTs: run.start, lastTs: run.last, evidence: run.ids.slice() };
  }

  expire(wm: number): void {
    this.keys.sweep((_k, r) => (r.last <= wm - this.forMs ? 'drop' : 'stop'));
  }
}
