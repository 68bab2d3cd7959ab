/**
 * The distinct bucket's two forms of a key's window: a lone entry kept inline by slot (no
 * object per key under a scan) and a State from the second entry on. Firings, sliding,
 * expiry and eviction must not depend on which form a key is in.
 */
import { describe, expect, it } from 'vitest';
import { DistinctBucket } from '../src/rules/buckets/distinct.js';
import { AlertBook, MAX_VALUES } from '../src/rules/alerts.js';
import type { CompiledRule, RuleEvent } from '../src/rules/types.js';

const ev = (id: number, user: string): RuleEvent => ({ id, kind: 'log', fields: { 'user.name': user } });
const MIN = 60_000;

describe('DistinctBucket', () => {
  it('counts an inline first value with later ones, late ones sorted in, and fires with all', () => {
    const b = new DistinctBucket(3, MIN, 'user.name', 100);
    expect(b.add('a', 10_000, ev(1, 'root'))).toBeNull();
    expect(b.add('a', 11_000, ev(2, 'root'))).toBeNull(); // the same value again
    expect(b.add('a', 5_000, ev(3, 'admin'))).toBeNull();
    expect(b.add('a', 12_000, ev(4, 'oracle'))).toEqual({ count: 3, firstTs: 5_000, lastTs: 12_000, evidence: [3, 1, 2, 4], values: ['admin', 'root', 'oracle'] }); // 3 distinct users, 4 events
    expect(b.size).toBe(0); // a firing key starts over
  });

  it('lets an inline entry slide out of the window', () => {
    const b = new DistinctBucket(2, MIN, 'user.name', 100);
    b.add('a', 0, ev(1, 'root'));
    expect(b.add('a', MIN + 1, ev(2, 'admin'))).toBeNull();
    expect(b.add('a', MIN + 2, ev(3, 'root'))).toMatchObject({ count: 2, firstTs: MIN + 1, lastTs: MIN + 2, evidence: [2, 3] });
  });

  it('fires on the first value when one is enough', () => {
    const b = new DistinctBucket(1, MIN, 'user.name', 100);
    expect(b.add('a', 1_000, ev(1, 'root'))).toMatchObject({ count: 1, firstTs: 1_000, lastTs: 1_000, evidence: [1] });
  });

  it('expires inline keys and reuses the slots of evicted ones', () => {
    const b = new DistinctBucket(2, MIN, 'user.name', 2);
    b.add('old', 0, ev(1, 'u1'));
    b.add('new', 30_000, ev(2, 'u2'));
    b.expire(MIN + 1);
    expect(b.size).toBe(1);
    b.add('x', MIN + 2, ev(3, 'u3'));
    b.add('y', MIN + 3, ev(4, 'u4')); // evicts 'new', takes its slot
    expect(b.evictions).toBe(1);
    expect(b.add('y', MIN + 4, ev(5, 'u2'))).toMatchObject({ count: 2, firstTs: MIN + 3, lastTs: MIN + 4, evidence: [4, 5] });
    const many = new DistinctBucket(2, MIN, 'user.name', 1000);
    for (let i = 0; i < 40; i++) many.add(`k${i}`, i, ev(i, 'a'));
    for (let i = 0; i < 40; i++) expect(many.add(`k${i}`, 100 + i, ev(100 + i, 'b'))?.evidence).toEqual([i, 100 + i]);
  });
});

describe('distinct alert values', () => {
  it('keeps hashes, not the strings, and past the cap never counts a repeated value again', () => {
    const book = new AlertBook(10);
    const rule = { spec: { id: 'r', cooldownMs: 0 } } as unknown as CompiledRule;
    const big = 'x'.repeat(65_536);
    book.fire(rule, 'k', { 'source.ip': '192.0.2.1' }, { count: 2, firstTs: 0, lastTs: 0, evidence: [1, 2], values: [big, 'b'] }, undefined);
    const a = book.get('k')!;
    expect(a.count).toBe(2);
    for (const v of a.values!) expect(typeof v).toBe('number');
    book.touch(a, 1, 3, 1, undefined, big);
    expect(a.count).toBe(2);
    for (let i = 0; i < MAX_VALUES + 50; i++) book.touch(a, 2, 4, 1, undefined, `u${i}`);
    expect(a.count).toBe(MAX_VALUES);
    for (let i = 0; i < 100; i++) book.touch(a, 3, 5, 1, undefined, `u${MAX_VALUES + 10}`); // a value past the cap, repeated
    expect(a.count).toBe(MAX_VALUES);
    expect(a.values!.size).toBe(MAX_VALUES);
  });
});
