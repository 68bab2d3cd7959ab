/**
 * distinct: fires when a key shows N distinct values of a field (e.g. user names per
 * source address) within a sliding event-time window. The window is cleared when it fires;
 * its count is the number of distinct values (users), not of events.
 */
import { fit, KeyedState } from '../keyed.js';
import type { Bucket, Firing } from './bucket.js';
import type { EvidenceId, RuleEvent } from '../types.js';

/**
 * One key's window: (ts, value, id) entries sorted by time, interleaved in one array, and
 * the count per value, made once a second distinct value shows up (a scan from thousands
 * of addresses mostly leaves one entry per address).
 */
interface State { e: Array<number | string | EvidenceId>; counts: Map<string, number> | null; first: string }

/** An event's distinct_field value as counted (absent, null and '' count nothing). */
export function distinctValue(f: RuleEvent['fields'], field: string): string | undefined {
  const v = f[field];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

export class DistinctBucket implements Bucket {
  /** A key's State once it has two entries; until then its entry is inline, below. */
  private readonly keys: KeyedState<State>;
  /**
   * By slot, the one entry of a key without a State (a scan from thousands of addresses
   * mostly gives each just one): its time, value and id. No object per key.
   */
  private ts: Float64Array = new Float64Array(16);
  private readonly vals: string[] = [];
  private readonly ids: EvidenceId[] = [];

  constructor(private readonly n: number, private readonly windowMs: number, private readonly field: string, maxKeys: number) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  /** An open alert counts values (users), not events. */
  touchValue(ev: RuleEvent): string | undefined { return distinctValue(ev.fields, this.field); }

  add(key: string, ts: number, ev: RuleEvent): Firing | null {
    const val = distinctValue(ev.fields, this.field);
    if (val === undefined) return null;
    const keys = this.keys;
    const slot = keys.find(key);
    let s = slot < 0 ? undefined : keys.at(slot);
    if (slot < 0 && this.n > 1) { this.inline(keys.claim(key), ts, val, ev.id); return null; }
    if (s === undefined) {
      // Sized exactly: a key's first entry (or its inline one, then this one).
      if (slot < 0) keys.put(key, (s = { e: [ts, val, ev.id], counts: null, first: val }));
      else {
        const v0 = this.vals[slot];
        keys.setAt(slot, (s = { e: [this.ts[slot], v0, this.ids[slot]], counts: null, first: v0 }));
        insertSorted(s.e, ts, val, ev.id);
      }
    } else insertSorted(s.e, ts, val, ev.id);
    const e = s.e;
    if (s.counts === null && val !== s.first) {
      s.counts = new Map();
      for (let j = 1; j < e.length; j += 3) s.counts.set(e[j] as string, (s.counts.get(e[j] as string) ?? 0) + 1);
    } else if (s.counts !== null) {
      s.counts.set(val, (s.counts.get(val) ?? 0) + 1);
    }
    const cutoff = (e[e.length - 3] as number) - this.windowMs;
    let drop = 0;
    while (drop < e.length && (e[drop] as number) <= cutoff) {
      if (s.counts !== null) {
        const v = e[drop + 1] as string;
        const c = s.counts.get(v)! - 1;
        if (c === 0) s.counts.delete(v); else s.counts.set(v, c);
      }
      drop += 3;
    }
    if (drop) e.splice(0, drop);
    if (e.length === 0) { this.keys.delete(key); return null; }
    if ((s.counts === null ? 1 : s.counts.size) < this.n) return null;
    const evidence: EvidenceId[] = [];
    for (let j = 2; j < e.length; j += 3) evidence.push(e[j]);
    const values = s.counts === null ? [s.first] : [...s.counts.keys()];
    const firing = { count: values.length, firstTs: e[0] as number, lastTs: e[e.length - 3] as number, evidence, values };
    this.keys.delete(key);
    return firing;
  }

  /** Keeps a new key's one entry inline at its slot. */
  private inline(i: number, ts: number, val: string, id: EvidenceId): void {
    this.ts = fit(this.ts, i);
    this.ts[i] = ts;
    this.vals[i] = val;
    this.ids[i] = id;
  }

  expire(wm: number): void {
    this.keys.sweep((_k, s, i) => {
      if (s === undefined) return this.ts[i] <= wm - this.windowMs ? 'drop' : 'stop';
      return !s.e.length || (s.e[s.e.length - 3] as number) <= wm - this.windowMs ? 'drop' : 'stop';
    });
  }
}

/** Inserts (ts, value, id) into the interleaved entries, keeping them sorted by time. */
function insertSorted(e: Array<number | string | EvidenceId>, ts: number, val: string, id: EvidenceId): void {
  let i = e.length;
  while (i > 0 && (e[i - 3] as number) > ts) i -= 3;
  if (i === e.length) e.push(ts, val, id); else e.splice(i, 0, ts, val, id);
}
