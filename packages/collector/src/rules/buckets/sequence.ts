/**
 * sequence: step A (optionally N times within the window), then step B, ... for the same
 * key. Each step must follow the latest event of the steps before it within `window`
 * (events of earlier steps keep the chain alive: failures that go on before a success
 * still lead to it). Completing the last step fires and restarts the chain. The count is
 * the weight of the steps before the last (the failures before a success), not the trigger.
 */
import { fit, KeyedState } from '../keyed.js';
import { Window, type Bucket, type Firing } from './bucket.js';
import type { Predicate } from '../filter.js';
import type { EvidenceId, RuleEvent } from '../types.js';

/** `ids` (evidence) is created on first use: most chains of a scan never get past one event. */
interface Chain { stage: number; last: number; first: number; win: Window; ids: EvidenceId[] | null; count: number }

export interface Step { match: Predicate; count: number; sumField?: string }

export class SequenceBucket implements Bucket {
  /** A key's Chain once it has more than one first-step event; until then, inline below. */
  private readonly keys: KeyedState<Chain>;
  /**
   * By slot, the one first-step event of a key without a Chain (a scan from thousands of
   * addresses mostly gives each just one): its time, weight and id. No object per key.
   */
  private ts: Float64Array = new Float64Array(16);
  private w: Float64Array = new Float64Array(16);
  private readonly ids: EvidenceId[] = [];

  constructor(private readonly steps: Step[], private readonly windowMs: number, maxKeys: number) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  /** What the event adds to an open alert's count: its weight in a step before the last, else 0. */
  buildUp(ev: RuleEvent): number {
    for (let i = 0; i < this.steps.length - 1; i++) if (this.steps[i].match(ev.fields)) return weight(ev, this.steps[i].sumField);
    return 0;
  }

  /** An open alert counts the build-up, not the trigger. */
  touchWeight(ev: RuleEvent): number { return this.buildUp(ev); }

  /** True when the event matches any step (the engine's selection). */
  selects(ev: RuleEvent): boolean {
    for (const s of this.steps) if (s.match(ev.fields)) return true;
    return false;
  }

  add(key: string, ts: number, ev: RuleEvent): Firing | null {
    const keys = this.keys;
    const slot = keys.find(key);
    let c = slot < 0 ? undefined : keys.at(slot);
    if (c === undefined) {
      // Only the first step can start a chain: an event that is not one leaves no key.
      const first = this.steps[0];
      if (slot < 0 && !first.match(ev.fields)) return null;
      const w = slot < 0 ? weight(ev, first.sumField) : 0;
      if (slot < 0 && w > 0 && w < first.count) { this.inline(keys.claim(key), ts, w, ev.id); return null; }
      c = { stage: 0, last: ts, first: ts, win: new Window(), ids: null, count: 0 };
      if (slot < 0) keys.put(key, c);
      else {
        keys.setAt(slot, c); // the key's second event: its inline one goes first
        c.last = c.first = this.ts[slot];
        c.win.push(this.ts[slot], this.w[slot], this.ids[slot]);
      }
    }
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
      if (j < this.steps.length - 1) c.count += c.win.sum; // the count is the build-up's (failures), not the trigger's
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

  /** Keeps a new key's one first-step event inline at its slot. */
  private inline(i: number, ts: number, w: number, id: EvidenceId): void {
    this.ts = fit(this.ts, i);
    this.w = fit(this.w, i);
    this.ts[i] = ts;
    this.w[i] = w;
    this.ids[i] = id;
  }

  private restart(c: Chain): void {
    c.stage = 0; c.win.clear(); c.ids = null; c.count = 0;
  }

  expire(wm: number): void {
    this.keys.sweep((_k, c, i) => {
      const newest = c === undefined ? this.ts[i] : Math.max(c.last, c.win.length ? c.win.newest : -Infinity);
      return newest <= wm - this.windowMs ? 'drop' : 'stop';
    });
  }
}

function weight(ev: RuleEvent, field?: string): number {
  if (!field) return 1;
  const v = ev.fields[field];
  return v === undefined || v === null ? 1 : Number(v) || 0;
}
