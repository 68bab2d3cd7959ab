/**
 * KeyIndex, the open-addressing index behind KeyedState: finds, inserts and removes under
 * hash collisions (hashes given by hand, so runs collide and wrap), backward-shift deletion
 * keeping every other key findable, growth, and agreement with a Map under random churn.
 */
import { describe, expect, it } from 'vitest';
import { KeyIndex, keyHash } from '../src/rules/key-index.js';

describe('KeyIndex', () => {
  it('keeps colliding keys findable through removals anywhere in their run', () => {
    const keys: string[] = [];
    const ix = new KeyIndex(keys);
    // 7 keys on one home position (15: the last of 16, so the run wraps to 0..5), 1 beside it.
    const hashes = [15, 15, 15, 15, 15, 15, 15, 0];
    hashes.forEach((h, i) => { keys.push(`k${i}`); ix.insert(h, i); });
    for (let i = 0; i < keys.length; i++) expect(ix.find(`k${i}`, hashes[i])).toBe(i);
    expect(ix.find('k0', 0)).toBe(-1); // right key, wrong hash: not a match
    expect(ix.find('zz', 15)).toBe(-1);
    for (const i of [2, 0, 6]) {
      ix.remove(hashes[i], i);
      expect(ix.find(`k${i}`, hashes[i])).toBe(-1);
    }
    for (const i of [1, 3, 4, 5, 7]) expect(ix.find(`k${i}`, hashes[i])).toBe(i);
    ix.remove(15, 42); // absent: no-op
    for (const i of [1, 3, 4, 5, 7]) expect(ix.find(`k${i}`, hashes[i])).toBe(i);
  });

  it('agrees with a Map through growth and heavy random churn', () => {
    const keys: Array<string | undefined> = [];
    const ix = new KeyIndex(keys);
    const ref = new Map<string, number>();
    const free: number[] = [];
    let s = 1;
    const rnd = (n: number) => { s = (s * 1664525 + 1013904223) >>> 0; return s % n; };
    for (let step = 0; step < 60_000; step++) {
      const key = `u${rnd(3000)}`;
      const h = keyHash(key) & 0xff; // few distinct hashes: long collision runs
      const at = ix.find(key, h);
      expect(at).toBe(ref.get(key) ?? -1);
      if (at >= 0 && rnd(2) === 0) {
        ix.remove(h, at); ref.delete(key); keys[at] = undefined; free.push(at);
      } else if (at < 0) {
        const slot = free.pop() ?? keys.length;
        keys[slot] = key; ix.insert(h, slot); ref.set(key, slot);
      }
    }
    for (const [key, slot] of ref) expect(ix.find(key, keyHash(key) & 0xff)).toBe(slot);
    expect(ref.size).toBeGreaterThan(500);
  });

  it('hashes deterministically within a process, and differently for different keys', () => {
    expect(keyHash('10.0.0.1')).toBe(keyHash('10.0.0.1'));
    expect(keyHash('10.0.0.1')).not.toBe(keyHash('10.0.0.2'));
    expect(Number.isInteger(keyHash(''))).toBe(true);
  });
});
