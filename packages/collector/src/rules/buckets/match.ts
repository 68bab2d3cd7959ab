/**
 * match: every selected event fires; the engine folds repeats for the same key into the
 * one open alert. Holds no per-key state.
 */
import type { Bucket, Firing } from './bucket.js';
import type { RuleEvent } from '../types.js';

export class MatchBucket implements Bucket {
  readonly size = 0;
  readonly evictions = 0;
  add(_key: string, ts: number, ev: RuleEvent, weight: number): Firing {
    return { count: weight, firstTs: ts, lastTs: ts, evidence: [ev.id] };
  }
  expire(): void {}
}
