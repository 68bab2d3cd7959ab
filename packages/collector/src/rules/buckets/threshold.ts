/**
 * threshold: fires when the weighted count of a key's events within a sliding event-time
 * window reaches N (weights come from sum_field, e.g. vigil.attempts, so a
 * "message repeated 4 times" line counts 4). The window is cleared when it fires.
 */
import { KeyedState } from '../keyed.js';
import { Window, type Bucket, type Firing } from './bucket.js';
import type { RuleEvent } from '../types.js';

export class ThresholdBucket implements Bucket {
  private readonly keys: KeyedState<Window>;

  constructor(private readonly n: number, private readonly windowMs: number, maxKeys: number) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  add(key: string, ts: number, ev: RuleEvent, weight: number): Firing | null {
    let win = this.keys.use(key);
    if (win === undefined) this.keys.put(key, (win = new Window()));
    win.push(ts, weight, ev.id);
    win.prune(win.newest - this.windowMs);
    if (win.sum < this.n) return null;
    const firing = { count: win.sum, firstTs: win.oldest, lastTs: win.newest, evidence: win.liveIds() };
    win.clear();
    return firing;
  }

  expire(wm: number): void {
    this.keys.sweep((_k, win) => (win.length === 0 || win.newest <= wm - this.windowMs ? 'drop' : 'stop'));
  }
}
