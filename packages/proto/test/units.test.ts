/**
 * The one grammar of durations and sizes (src/units.ts): compounds, every unit, bare
 * numbers as seconds or bytes, fractions rounded, and everything else (negative, empty,
 * junk, overflow, unknown units) refused.
 */
import { describe, expect, it } from 'vitest';
import { parseDuration, parseLoggedDuration, parseSize, requireDuration } from '../src/units.js';

describe('parseDuration (ms)', () => {
  it.each([
    ['500ms', 500], ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['2d', 172_800_000], ['2w', 1_209_600_000],
    ['1h30m', 5_400_000], ['7h30m', 27_000_000], ['1d12h', 129_600_000], ['1m30s500ms', 90_500], ['1h 30m', 5_400_000],
    ['5 m', 300_000], ['  45s  ', 45_000], ['10S', 10_000], ['1H30M', 5_400_000],
    ['1.5h', 5_400_000], ['0.5s', 500], ['0.4ms', 0],
    ['0', 0], ['0s', 0], ['90', 90_000], ['2.5', 2500],
    [90, 90_000], [0.25, 250], [0, 0],
  ])('%j is %d ms', (v, ms) => {
    expect(parseDuration(v)).toBe(ms);
  });
  it.each([
    [''], ['   '], ['-1s'], [-1], ['1'.padEnd(30, '0') + 's'], [1e300], [Infinity], [NaN], ['s'], ['1x'], ['5 minutes'], ['1 hour'],
    ['1h30'], ['h1'], ['1.s'], ['.5s'], ['1e3s'], ['1_000s'], ['soon'], ['30m!'], ['1,5h'], [null], [undefined], [true], [{}], [['1s']],
  ])('%j is not a duration', (v) => {
    expect(parseDuration(v)).toBeUndefined();
  });
  it('keeps the largest safe value and refuses one beyond', () => {
    expect(parseDuration(`${Number.MAX_SAFE_INTEGER}ms`)).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseDuration(`${Number.MAX_SAFE_INTEGER + 2}ms`)).toBeUndefined();
    expect(parseDuration('9007199254741w')).toBeUndefined();
  });
  it('requireDuration names the bad value and the grammar', () => {
    expect(requireDuration('1h30m')).toBe(5_400_000);
    expect(() => requireDuration('1 hour')).toThrow(/not a duration: "1 hour" \(e\.g\. 500ms, 30s, 5m, 1h30m, 2d, 2w/);
  });
});

describe('parseSize (bytes)', () => {
  it.each([
    ['0', 0], ['123', 123], [123, 123], ['64b', 64],
    ['1k', 1000], ['1K', 1000], ['1kb', 1000], ['1KB', 1000], ['1KiB', 1024], ['1kib', 1024],
    ['512MB', 512e6], ['2M', 2e6], ['1GiB', 1024 ** 3], ['1.2GB', 1.2e9], ['35.4 MiB', Math.round(35.4 * 1024 ** 2)],
    ['3T', 3e12], ['1TiB', 1024 ** 4], ['2PB', 2e15], ['1.5', 2], [10.4, 10], ['  8 KiB ', 8192],
  ])('%j is %d bytes', (v, n) => {
    expect(parseSize(v)).toBe(n);
  });
  it.each([
    [''], ['-1'], [-1], ['lots'], ['12 bananas'], ['1kilobyte'], ['1 K B'], ['KiB'], ['1e6'], ['1,5MB'],
    ['16PiB'], ['9007199254740993'], [Infinity], [NaN], [null], [undefined], [true],
  ])('%j is not a size', (v) => {
    expect(parseSize(v)).toBeUndefined();
  });
});

describe('parseLoggedDuration (ns, as tools print durations)', () => {
  it.each([
    ['45s', 45e9], ['1h30m', 5400e9], ['2w', 1_209_600e9], ['90', 90e9], [1.5, 1.5e9], ['18.57 seconds', 18.57e9],
    ['1 minute, 2 seconds', 62e9], ['2 hours and 5 mins', 7500e9], ['250us', 250e3], ['12ns', 12],
    ['0:45', 45e9], ['1:02:03.5', 3723.5e9],
  ])('%j is %d ns', (v, ns) => {
    expect(parseLoggedDuration(v)).toBe(ns);
  });
  it.each([['soon'], ['-3s'], [''], ['1:2'], ['5 parsecs']])('%j is not a duration', (v) => {
    expect(parseLoggedDuration(v)).toBeUndefined();
  });
});
