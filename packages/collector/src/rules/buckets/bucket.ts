/**
 * The bucket interface every rule type implements: per-key state fed with the rule's
 * selected events in event time, answering whether the condition fires now, and
 * expiring stale keys as the watermark advances. The engine owns alerts; buckets only
 * decide when a condition is met and which events are its evidence.
 */
import type { EvidenceId, RuleEvent } from '../types.js';

export interface Firing {
  /** Weighted count of the events that met the condition. */
  count: number;
  firstTs: number;
  lastTs: number;
  evidence: EvidenceId[];
}

export interface Bucket {
  /** A selected, non-allowlisted event for `key`; returns a firing when the condition is met. */
  add(key: string, ts: number, ev: RuleEvent, weight: number, group: Record<string, string> | null): Firing | null;
  /** Drops state that can no longer contribute at watermark `wm`. */
  expire(wm: number): void;
  readonly size: number;
  readonly evictions: number;
}

/** Absence buckets also report keys whose silence reached the limit. */
export interface DueBucket extends Bucket {
  due(wm: number): Array<{ key: string; group: Record<string, string>; firing: Firing }>;
}

/** A sliding window of (time, weight, id), kept sorted by time, with a running sum. */
export class Window {
  ts: number[] = [];
  w: number[] = [];
  ids: EvidenceId[] = [];
  head = 0;
  sum = 0;

  get length(): number { return this.ts.length - this.head; }
  get newest(): number { return this.ts.length ? this.ts[this.ts.length - 1] : -Infinity; }
  get oldest(): number { return this.ts[this.head]; }

  push(ts: number, w: number, id: EvidenceId): void {
    let i = this.ts.length;
    if (i > this.head && ts < this.ts[i - 1]) {
      while (i > this.head && this.ts[i - 1] > ts) i--;
      this.ts.splice(i, 0, ts); this.w.splice(i, 0, w); this.ids.splice(i, 0, id);
    } else {
      this.ts.push(ts); this.w.push(w); this.ids.push(id);
    }
    this.sum += w;
  }

  /** Drops entries at or before `cutoff`. */
  prune(cutoff: number): void {
    while (this.head < this.ts.length && this.ts[this.head] <= cutoff) this.sum -= this.w[this.head++];
    if (this.head > 32 && this.head * 2 > this.ts.length) {
      this.ts = this.ts.slice(this.head); this.w = this.w.slice(this.head); this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
  }

  liveIds(): EvidenceId[] { return this.ids.slice(this.head); }

  clear(): void { this.ts = []; this.w = []; this.ids = []; this.head = 0; this.sum = 0; }
}
