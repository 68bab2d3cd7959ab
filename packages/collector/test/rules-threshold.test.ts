/**
 * The threshold bucket's two forms of a key's window: one entry kept inline by slot (no
 * object per key under a scan) and a Window from the second entry on. Both must give the
 * same firings, expiry and eviction as one window would.
 */
import { describe, expect, it } from 'vitest';
import { ThresholdBucket } from '../src/rules/buckets/threshold.js';
import type { RuleEvent } from '../src/rules/types.js';

const ev = (id: number): RuleEvent => ({ id, kind: 'log', fields: {} });
const MIN = 60_000;

describe('ThresholdBucket', () => {
  it('counts a first inline entry with the ones after it, in time order, and fires with all of them', () => {
    const b = new ThresholdBucket(3, MIN, 100);
    expect(b.add('a', 10_000, ev(1), 1)).toBeNull();
    expect(b.add('a', 5_000, ev(2), 1)).toBeNull(); // late: sorted before the inline one
    expect(b.add('a', 20_000, ev(3), 1)).toEqual({ count: 3, firstTs: 5_000, lastTs: 20_000, evidence: [2, 1, 3] });
    // Cleared on firing: counting starts again.
    expect(b.add('a', 21_000, ev(4), 2)).toBeNull();
    expect(b.add('a', 22_000, ev(5), 1)).toEqual({ count: 3, firstTs: 21_000, lastTs: 22_000, evidence: [4, 5] });
  });

  it('lets an inline entry slide out of the window', () => {
    const b = new ThresholdBucket(2, MIN, 100);
    expect(b.add('a', 0, ev(1), 1)).toBeNull();
    expect(b.add('a', MIN + 1, ev(2), 1)).toBeNull(); // the first is older than the window
    expect(b.add('a', MIN + 2, ev(3), 1)).toEqual({ count: 2, firstTs: MIN + 1, lastTs: MIN + 2, evidence: [2, 3] });
  });

  it('fires on a first event heavy enough on its own, and the key starts empty again', () => {
    const b = new ThresholdBucket(5, MIN, 100);
    expect(b.add('a', 1_000, ev(1), 5)).toEqual({ count: 5, firstTs: 1_000, lastTs: 1_000, evidence: [1] });
    expect(b.add('a', 2_000, ev(2), 4)).toBeNull();
    expect(b.add('a', 3_000, ev(3), 1)).toEqual({ count: 5, firstTs: 2_000, lastTs: 3_000, evidence: [2, 3] });
  });

  it('expires inline and window keys alike, oldest first', () => {
    const b = new ThresholdBucket(10, MIN, 100);
    b.add('inline-old', 0, ev(1), 1);
    b.add('window-old', 1_000, ev(2), 1);
    b.add('window-old', 2_000, ev(3), 1);
    b.add('inline-new', 50_000, ev(4), 1);
    b.expire(2_000 + MIN);
    expect(b.size).toBe(1);
    expect(b.add('inline-new', 60_000, ev(5), 9)).toEqual({ count: 10, firstTs: 50_000, lastTs: 60_000, evidence: [4, 5] });
  });

  it('gives an evicted key\'s slot to the next key without its window or entry', () => {
    const b = new ThresholdBucket(3, MIN, 2);
    b.add('a', 1_000, ev(1), 1);
    b.add('a', 1_001, ev(2), 1); // 'a' now has a Window with two entries
    b.add('b', 1_002, ev(3), 1);
    b.add('c', 1_003, ev(4), 1); // evicts 'a': 'c' takes its slot
    expect(b.evictions).toBe(1);
    expect(b.add('c', 1_004, ev(5), 1)).toBeNull(); // 2 entries: nothing of 'a' carried over
    expect(b.add('c', 1_005, ev(6), 1)).toEqual({ count: 3, firstTs: 1_003, lastTs: 1_005, evidence: [4, 5, 6] });
    const many = new ThresholdBucket(2, MIN, 1000);
    for (let i = 0; i < 40; i++) expect(many.add(`k${i}`, 2_000 + i, ev(100 + i), 1)).toBeNull(); // past the first arrays
    expect(many.size).toBe(40);
    for (let i = 0; i < 40; i++) expect(many.add(`k${i}`, 3_000 + i, ev(200 + i), 1)?.evidence).toEqual([100 + i, 200 + i]);
  });
});
