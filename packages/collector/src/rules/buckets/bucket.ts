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
  /** distinct: the distinct values that met the condition (then `count` is how many). */
  values?: string[];
}

export interface Bucket {
  /** A selected, non-allowlisted event for `key`; returns a firing when the condition is met. */
  add(key: string, ts: number, ev: RuleEvent, weight: number): Firing | null;
  /** Drops state that can no longer contribute at watermark `wm`. */
  expire(wm: number): void;
  readonly size: number;
  readonly evictions: number;
  // Optional hooks, for the types whose events do more than count (the engine calls them when present):
  /** Whether a selected event takes part at all (sequence: it matches a step). */
  selects?(ev: RuleEvent): boolean;
  /** True when the key's condition rejects the event, which ends the key's run there (sustained). */
  rejects?(key: string, ev: RuleEvent): boolean;
  /** What the event adds to its key's open alert (default its weight; sequence: its build-up). */
  touchWeight?(ev: RuleEvent, weight: number): number;
  /** The value the event counts into its key's open alert (distinct). */
  touchValue?(ev: RuleEvent): string | undefined;
  /** Starts the clocks of keys known before any event (absence's declared keys). */
  start?(wm: number): void;
  /** Keys whose condition came due at watermark `wm` without an event (absence). */
  due?(wm: number): DueFiring[];
}

export interface DueFiring { key: string; group: Record<string, string>; firing: Firing }

/** Absence buckets also report keys whose silence reached the limit. */
export interface DueBucket extends Bucket {
  start(wm: number): void;
  due(wm: number): DueFiring[];
}

/**
 * A sliding window of (time, weight, id), kept sorted by time, with a running sum. The
 * entries are interleaved in one array (a scan from thousands of addresses creates a window
 * per address that mostly holds one entry: one array, not three).
 */
/** The entries of every empty window (never written: push replaces it). */
const NO_ENTRIES: Array<number | EvidenceId> = [];

export class Window {
  /** [ts, w, id, ts, w, id, ...]; entries before `head` (in entries) are pruned. */
  private e: Array<number | EvidenceId> = NO_ENTRIES;
  private head = 0;
  sum = 0;

  get length(): number { return this.e.length / 3 - this.head; }
  get newest(): number { const n = this.e.length; return n ? this.e[n - 3] as number : -Infinity; }
  get oldest(): number { return this.e[this.head * 3] as number; }

  push(ts: number, w: number, id: EvidenceId): void {
    const e = this.e;
    this.sum += w;
    // Sized exactly: most windows of a scan keep this one entry until they expire.
    if (e.length === 0) { this.e = [ts, w, id]; return; }
    let i = e.length;
    if (i > this.head * 3 && ts < (e[i - 3] as number)) {
      while (i > this.head * 3 && (e[i - 3] as number) > ts) i -= 3;
      e.splice(i, 0, ts, w, id);
    } else {
      e.push(ts, w, id);
    }
  }

  /** Drops entries at or before `cutoff`. */
  prune(cutoff: number): void {
    const e = this.e;
    while (this.head * 3 < e.length && (e[this.head * 3] as number) <= cutoff) this.sum -= e[this.head++ * 3 + 1] as number;
    if (this.head > 32 && this.head * 6 > e.length) {
      this.e = e.slice(this.head * 3);
      this.head = 0;
    }
  }

  liveIds(): EvidenceId[] {
    const out: EvidenceId[] = [];
    for (let i = this.head * 3 + 2; i < this.e.length; i += 3) out.push(this.e[i]);
    return out;
  }

  clear(): void { this.e = NO_ENTRIES; this.head = 0; this.sum = 0; }
}
