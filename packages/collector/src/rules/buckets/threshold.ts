/**
 * threshold: fires when the weighted count of a key's events within a sliding event-time
 * window reaches N (weights come from sum_field, e.g. vigil.attempts, so a
 * "message repeated 4 times" line counts 4). The window is cleared when it fires.
 */
import { fit, KeyedState } from '../keyed.js';
import { Window, type Bucket, type Firing } from './bucket.js';
import type { EvidenceId, RuleEvent } from '../types.js';

export class ThresholdBucket implements Bucket {
  /** A key's Window once it held two entries; until then its entry is inline, below. */
  private readonly keys: KeyedState<Window>;
  /**
   * By slot, the one entry of a key without a Window (a scan from thousands of addresses
   * mostly gives each just one): its time (NaN: none), weight and id. No object per key.
   */
  private ts: Float64Array = new Float64Array(16);
  private w: Float64Array = new Float64Array(16);
  private readonly ids: EvidenceId[] = [];

  constructor(private readonly n: number, private readonly windowMs: number, maxKeys: number) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  add(key: string, ts: number, ev: RuleEvent, weight: number): Firing | null {
    const keys = this.keys;
    let i = keys.find(key);
    if (i < 0) return this.first(keys.claim(key), ts, weight, ev.id);
    let win = keys.at(i);
    if (win === undefined) {
      const t0 = this.ts[i];
      if (Number.isNaN(t0)) return this.first(i, ts, weight, ev.id);
      keys.setAt(i, (win = new Window()));
      win.push(t0, this.w[i], this.ids[i]);
    }
    win.push(ts, weight, ev.id);
    win.prune(win.newest - this.windowMs);
    if (win.sum < this.n) return null;
    const firing = { count: win.sum, firstTs: win.oldest, lastTs: win.newest, evidence: win.liveIds() };
    win.clear();
    return firing;
  }

  /** The first entry of an empty key, kept inline at its slot (or firing at once). */
  private first(i: number, ts: number, weight: number, id: EvidenceId): Firing | null {
    this.ts = fit(this.ts, i);
    this.w = fit(this.w, i);
    this.ids[i] = id;
    if (weight >= this.n) { this.ts[i] = NaN; return { count: weight, firstTs: ts, lastTs: ts, evidence: [id] }; }
    this.ts[i] = ts;
    this.w[i] = weight;
    return null;
  }

  expire(wm: number): void {
    const cutoff = wm - this.windowMs;
    this.keys.sweep((_k, win, i) => {
      const newest = win === undefined ? this.ts[i] : win.length === 0 ? NaN : win.newest;
      return Number.isNaN(newest) || newest <= cutoff ? 'drop' : 'stop';
    });
  }
}
