/**
 * KeyedState, the bounded per-key state of every rule: least-recently-touched order (touch,
 * or use and put without a closure), eviction of the oldest key at the bound (counted),
 * replacement, deletes, expiry sweeps that stop at the first fresh key, and constant cost
 * per key under heavy churn, and slots freed by deletes and sweeps serving new keys.
 */
import { describe, expect, it } from 'vitest';
import { KeyedState } from '../src/rules/keyed.js';

const keys = <S>(k: KeyedState<S>) => [...k.entries()].map(([key]) => key);

describe('KeyedState', () => {
  it('keeps keys in least-recently-touched order and evicts the oldest at the bound', () => {
    const k = new KeyedState<number>(3);
    let made = 0;
    for (const key of ['a', 'b', 'c']) k.touch(key, () => ++made);
    expect(keys(k)).toEqual(['a', 'b', 'c']);
    expect(k.touch('a', () => ++made)).toBe(1); // existing state, moved to the end
    expect(keys(k)).toEqual(['b', 'c', 'a']);
    k.touch('d', () => ++made); // evicts b
    expect(keys(k)).toEqual(['c', 'a', 'd']);
    expect(k.evictions).toBe(1);
    expect(k.get('b')).toBeUndefined();
    expect(k.size).toBe(3);
    expect(made).toBe(4);
  });

  it('set replaces state and marks it fresh; delete removes from any position', () => {
    const k = new KeyedState<string>(10);
    for (const key of ['a', 'b', 'c', 'd']) k.set(key, key.toUpperCase());
    k.set('b', 'B2');
    expect(keys(k)).toEqual(['a', 'c', 'd', 'b']);
    expect(k.get('b')).toBe('B2');
    k.delete('c'); k.delete('a'); k.delete('b'); k.delete('zz');
    expect(keys(k)).toEqual(['d']);
    k.delete('d');
    expect(k.size).toBe(0);
    k.set('e', 'E');
    expect(keys(k)).toEqual(['e']);
  });

  it('use() marks an existing key fresh and creates nothing; put() stores a missing key, evicting at the bound', () => {
    const k = new KeyedState<{ v: string }>(2);
    expect(k.use('a')).toBeUndefined();
    expect(k.size).toBe(0);
    k.put('a', { v: 'A' });
    k.put('b', { v: 'B' });
    expect(k.use('a')).toEqual({ v: 'A' }); // now the freshest
    expect(keys(k)).toEqual(['b', 'a']);
    k.put('c', { v: 'C' }); // evicts b, the oldest
    expect(keys(k)).toEqual(['a', 'c']);
    expect(k.evictions).toBe(1);
    expect(k.use('b')).toBeUndefined();
  });

  it('sweeps oldest first, dropping and keeping, and stops where told', () => {
    const k = new KeyedState<number>(10);
    [5, 1, 7, 2, 9].forEach((v, i) => k.set(`k${i}`, v));
    const visited: string[] = [];
    k.sweep((key, v) => { visited.push(key); return v === 2 ? 'stop' : v < 6 ? 'drop' : 'keep'; });
    expect(visited).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(keys(k)).toEqual(['k2', 'k3', 'k4']);
  });

  it('reuses the slots of deleted and swept keys without mixing up order or state', () => {
    const k = new KeyedState<string>(100);
    for (let i = 0; i < 40; i++) k.set(`k${i}`, `v${i}`);
    for (let i = 0; i < 40; i += 2) k.delete(`k${i}`);
    k.sweep((key) => (key === 'k1' || key === 'k3' ? 'drop' : 'stop'));
    for (let i = 0; i < 30; i++) k.put(`n${i}`, `w${i}`); // 22 freed slots, then new ones
    k.use('k5');
    const order = keys(k);
    expect(order.slice(0, 3)).toEqual(['k7', 'k9', 'k11']);
    expect(order.slice(-2)).toEqual(['n29', 'k5']);
    expect(order).toHaveLength(18 + 30);
    expect(new Set(order).size).toBe(order.length);
    for (let i = 0; i < 30; i++) expect(k.get(`n${i}`)).toBe(`w${i}`);
    expect(k.get('k39')).toBe('v39');
    expect(k.get('k2')).toBeUndefined();
    expect(k.size).toBe(48);
  });

  it('holds its bound through a churn of many distinct keys, counting every eviction', () => {
    const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const k = new KeyedState<{ n: number }>(1000);
    for (let i = 0; i < 200_000; i++) k.touch(ip(i), () => ({ n: i })).n++;
    expect(k.size).toBe(1000);
    expect(k.evictions).toBe(199_000);
    expect(keys(k)[0]).toBe(ip(199_000)); // the oldest left is the first after the evicted ones
    expect(k.get(ip(199_999))).toEqual({ n: 200_000 });
  });
});
