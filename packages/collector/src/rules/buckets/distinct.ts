/**
 * distinct: fires when a key shows N distinct values of a field (e.g. user names per
 * source address) within a sliding event-time window. The window is cleared when it fires.
 */
import { KeyedState } from '../keyed.js';
import type { Bucket, Firing } from './bucket.js';
import type { EvidenceId, RuleEvent } from '../types.js';

interface State { ts: number[]; vals: string[]; ids: EvidenceId[]; counts: Map<string, number> }

export class DistinctBucket implements Bucket {
  private readonly keys: KeyedState<State>;

  constructor(private readonly n: number, private readonly windowMs: number, private readonly field: string, maxKeys: number) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  add(key: string, ts: number, ev: RuleEvent): Firing | null {
    const raw = ev.fields[this.field];
    if (raw === undefined || raw === null || raw === '') return null;
    const val = String(raw);
    const s = this.keys.touch(key, () => ({ ts: [], vals: [], ids: [], counts: new Map() }));
    let i = s.ts.length;
    while (i > 0 && s.ts[i - 1] > ts) i--;
    s.ts.splice(i, 0, ts); s.vals.splice(i, 0, val); s.ids.splice(i, 0, ev.id);
    s.counts.set(val, (s.counts.get(val) ?? 0) + 1);
    const cutoff = s.ts[s.ts.length - 1] - this.windowMs;
    let drop = 0;
    while (drop < s.ts.length && s.ts[drop] <= cutoff) {
      const v = s.vals[drop++];
      const c = s.counts.get(v)! - 1;
      if (c === 0) s.counts.delete(v); else s.counts.set(v, c);
    }
    if (drop) { s.ts.splice(0, drop); s.vals.splice(0, drop); s.ids.splice(0, drop); }
    if (s.counts.size < this.n) return null;
    const firing = { count: s.ts.length, firstTs: s.ts[0], lastTs: s.ts[s.ts.length - 1], evidence: s.ids.slice() };
    this.keys.delete(key);
    return firing;
  }

  expire(wm: number): void {
    this.keys.sweep((_k, s) => (!s.ts.length || s.ts[s.ts.length - 1] <= wm - this.windowMs ? 'drop' : 'stop'));
  }
}
