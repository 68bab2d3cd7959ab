/**
 * sequence: step A (optionally N times within the window), then step B, ... for the same
 * key. Each step must follow the latest event of the steps before it within `window`
 * (events of earlier steps keep the chain alive: failures that go on before a success
 * still lead to it). Completing the last step fires and restarts the chain.
 */
import { KeyedState } from '../keyed.js';
import { Window, type Bucket, type Firing } from './bucket.js';
import type { Predicate } from '../filter.js';
import type { EvidenceId, RuleEvent } from '../types.js';

/** `ids` (evidence) is created on first use: most chains of a scan never get past one event. */
interface Chain { stage: number; last: number; first: number; win: Window; ids: EvidenceId[] | null; count: number }

export interface Step { match: Predicate; count: number; sumField?: string }

export class SequenceBucket implements Bucket {
  private readonly keys: KeyedState<Chain>;

  constructor(private readonly steps: Step[], private readonly windowMs: number, maxKeys: number) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  /** True when the event matches any step (the engine's selection). */
  selects(ev: RuleEvent): boolean {
    for (const s of this.steps) if (s.match(ev.fields)) return true;
    return false;
  }

  add(key: string, ts: number, ev: RuleEvent): Firing | null {
    let c = this.keys.use(key);
    if (c === undefined) this.keys.put(key, (c = { stage: 0, last: ts, first: ts, win: new Window(), ids: null, count: 0 }));
    if (ts - c.last > this.windowMs && c.stage > 0) this.restart(c);
    // The highest step this event can advance or extend.
    for (let j = Math.min(c.stage, this.steps.length - 1); j >= 0; j--) {
      const step = this.steps[j];
      if (!step.match(ev.fields)) continue;
      const w = weight(ev, step.sumField);
      if (w <= 0) return null;
      if (j < c.stage) { // an earlier step again: keeps the chain alive
        c.last = Math.max(c.last, ts);
        c.count += w;
        const ids = (c.ids ??= []);
        if (ids.length < 20) ids.push(ev.id);
        return null;
      }
      c.win.push(ts, w, ev.id);
      if (c.stage === 0) c.win.prune(c.win.newest - this.windowMs);
      if (c.win.sum < step.count) return null;
      if (c.stage === 0) c.first = c.win.oldest;
      c.count += c.win.sum;
      const ids = (c.ids ??= []);
      for (const id of c.win.liveIds()) if (ids.length < 20) ids.push(id);
      c.last = Math.max(c.last, c.win.newest);
      c.win.clear();
      c.stage++;
      if (c.stage < this.steps.length) return null;
      const firing = { count: c.count, firstTs: c.first, lastTs: c.last, evidence: c.ids ? c.ids.slice() : [] };
      this.restart(c);
      return firing;
    }
    return null;
  }

  private restart(c: Chain): void {
    c.stage = 0; c.win.clear(); c.ids = null; c.count = 0;
  }

  expire(wm: number): void {
    this.keys.sweep((_k, c) => (Math.max(c.last, c.win.length ? c.win.newest : -Infinity) <= wm - this.windowMs ? 'drop' : 'stop'));
  }
}

function weight(ev: RuleEvent, field?: string): number {
  if (!field) return 1;
  const v = ev.fields[field];
  return v === undefined || v === null ? 1 : Number(v) || 0;
}
