/**
 * The sequence bucket's two forms of a key's chain: a lone first-step event kept inline by
 * slot (no object per key under a scan) and a Chain from the second event on; events that
 * cannot start a chain leave no key. Firings, expiry and evidence must not depend on it.
 */
import { describe, expect, it } from 'vitest';
import { SequenceBucket } from '../src/rules/buckets/sequence.js';
import type { RuleEvent } from '../src/rules/types.js';
import type { EcsFields } from '../src/model.js';

const failed = (f: EcsFields) => f['event.outcome'] === 'failure';
const succeeded = (f: EcsFields) => f['event.outcome'] === 'success';
const ev = (id: number, outcome: string, attempts?: number): RuleEvent =>
  ({ id, kind: 'log', fields: { 'event.outcome': outcome, ...(attempts === undefined ? {} : { 'vigil.attempts': attempts }) } });
const bucket = (max = 100) => new SequenceBucket([
  { match: failed, count: 3, sumField: 'vigil.attempts' }, { match: succeeded, count: 1 },
], 600_000, max);

describe('SequenceBucket', () => {
  it('fires on failures then a success, the first failure having been kept inline', () => {
    const b = bucket();
    expect(b.add('a', 1_000, ev(1, 'failure'))).toBeNull();
    expect(b.size).toBe(1);
    expect(b.add('a', 2_000, ev(2, 'failure'))).toBeNull();
    expect(b.add('a', 3_000, ev(3, 'failure'))).toBeNull();
    expect(b.add('a', 4_000, ev(4, 'success'))).toEqual({ count: 3, firstTs: 1_000, lastTs: 4_000, evidence: [1, 2, 3, 4] }); // the failures, not the login
  });

  it('keeps no key for an event that cannot start a chain', () => {
    const b = bucket();
    expect(b.add('a', 1_000, ev(1, 'success'))).toBeNull();
    expect(b.size).toBe(0);
    expect(b.add('b', 1_000, ev(2, 'failure', 0))).toBeNull(); // weight 0: a restating line
    expect(b.add('b', 1_000, ev(3, 'success'))).toBeNull();
  });

  it('a success right after one inline failure does not fire, and the chain goes on', () => {
    const b = bucket();
    b.add('a', 1_000, ev(1, 'failure'));
    expect(b.add('a', 2_000, ev(2, 'success'))).toBeNull();
    b.add('a', 3_000, ev(3, 'failure', 2));
    expect(b.add('a', 4_000, ev(4, 'success'))?.evidence).toEqual([1, 3, 4]);
  });

  it('a first event heavy enough for the first step starts a chain at once', () => {
    const b = bucket();
    expect(b.add('a', 1_000, ev(1, 'failure', 3))).toBeNull();
    expect(b.add('a', 2_000, ev(2, 'success'))).toEqual({ count: 3, firstTs: 1_000, lastTs: 2_000, evidence: [1, 2] }); // the first event's 3 attempts
  });

  it('expires inline keys with the window and reuses slots of evicted ones', () => {
    const b = bucket(2);
    b.add('old', 0, ev(1, 'failure'));
    b.add('new', 500_000, ev(2, 'failure'));
    b.expire(600_001);
    expect(b.size).toBe(1);
    b.add('x', 600_002, ev(3, 'failure'));
    b.add('y', 600_003, ev(4, 'failure', 2)); // evicts 'new', takes its slot
    expect(b.evictions).toBe(1);
    b.add('y', 600_004, ev(5, 'failure'));
    expect(b.add('y', 600_005, ev(6, 'success'))?.evidence).toEqual([4, 5, 6]);
  });
});
