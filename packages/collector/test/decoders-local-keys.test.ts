/**
 * LocalKeys' bounds: attacker-chosen host and user names of up to 64 KiB make keys of at most
 * a few hundred chars, and its aliases are kept by recency (Generations), so a group touched
 * within the last 2,048 new aliases keeps its canonical key under churn.
 */
import { describe, expect, it } from 'vitest';
import { LocalKeys, MAX_KEY_PART } from '../src/decoders/local-keys.js';

describe('LocalKeys', () => {
  it('cuts host and user names in keys', () => {
    const lk = new LocalKeys();
    const big = 'u'.repeat(65_536);
    const k = lk.key('h'.repeat(65_536), 'su', NaN, big);
    expect(k.length).toBeLessThanOrEqual(2 * MAX_KEY_PART + 8);
    expect(lk.key('h'.repeat(65_536), 'su', 7, big)).toBe(k); // the same group
  });

  it('keeps a recently touched alias under churn instead of clearing all', () => {
    const lk = new LocalKeys();
    const canon = lk.key('h', 'su', 100, 'alice');
    for (let i = 0; i < 10_000; i++) {
      lk.key('h', 'su', NaN, `u${i}`);
      if (i % 500 === 0) expect(lk.key('h', 'su', NaN, 'alice')).toBe(canon);
    }
    expect(lk.key('h', 'su', NaN, 'alice')).toBe(canon);
  });
});
