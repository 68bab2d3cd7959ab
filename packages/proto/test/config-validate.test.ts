/**
 * The one config validator kit (src/config-validate.ts): key paths through mappings and
 * lists, unknown keys, the bad value in the message, bounds, presence, idempotence.
 */
import { describe, expect, it } from 'vitest';
import {
  boolean, bytesFrom, ConfigError, duration, durationFrom, httpUrl, ifPresent, integer, listOf, mapOf, object, oneOf, optional, string, timer,
} from '../src/config-validate.js';

const shape = object({
  name: string,
  on: optional(boolean, false),
  every: optional(durationFrom(1000), 60_000),
  cap: optional(bytesFrom(64), 1024),
  items: optional(listOf(object({ kind: oneOf(['a', 'b'] as const), n: optional(integer(1, 9)) })), []),
  tags: optional(mapOf(string)),
  url: optional(httpUrl),
  extra: ifPresent(object({ wait: optional(duration, 5000) })),
});

const message = (f: () => unknown): string => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return (e as Error).message; }
  throw new Error('no error');
};

describe('config kit', () => {
  it('normalises and fills defaults; a bare key (null) is present, an absent one is not', () => {
    expect(shape({ name: 'x', every: '1h30m', cap: '2KiB', items: [{ kind: 'a' }], extra: null }, 'top')).toEqual({
      name: 'x', on: false, every: 5_400_000, cap: 2048, items: [{ kind: 'a', n: undefined }], tags: undefined, url: undefined, extra: { wait: 5000 },
    });
    expect(shape({ name: 'x' }, 'top').extra).toBeUndefined();
  });
  it('is idempotent: a normalised value validates to itself', () => {
    const once = shape({ name: 'x', every: '2w' }, 'top');
    expect(shape(once, 'top')).toBe(once);
    expect(once.every).toBe(1_209_600_000);
  });
  it.each([
    [{ name: 'x', colour: 1 }, 'top.colour: unknown key (known: name, on, every, cap, items, tags, url, extra)'],
    [{ name: '' }, 'top.name: expected a non-empty string, got ""'],
    [{ name: 'x', every: '500ms' }, 'top.every: expected a duration of at least 1s, got "500ms"'],
    [{ name: 'x', every: 'soon' }, 'top.every: expected a duration (e.g. 500ms, 30s, 5m, 1h30m, 2d, 2w or a number of seconds), got "soon"'],
    [{ name: 'x', cap: 10 }, 'top.cap: expected a size of at least 64 bytes, got 10'],
    [{ name: 'x', items: [{ kind: 'a' }, { kind: 'c' }] }, 'top.items[1].kind: expected one of a, b, got "c"'],
    [{ name: 'x', items: [{ kind: 'a', n: 10 }] }, 'top.items[0].n: expected an integer from 1 to 9, got 10'],
    [{ name: 'x', items: 'a' }, 'top.items: expected a list, got "a"'],
    [{ name: 'x', tags: { env: 3 } }, 'top.tags.env: expected a non-empty string, got 3'],
    [{ name: 'x', url: 'ftp://h/' }, 'top.url: expected an http(s) URL, got "ftp://h/"'],
    [{ name: 'x', extra: { wait: -1 } }, 'top.extra.wait: expected a duration'],
    [[1], 'top: expected a mapping, got [1]'],
  ])('%j: %s', (value, text) => {
    expect(message(() => shape(value, 'top'))).toContain(text);
  });
  it('bounds timer keys at 24d (Node runs a longer timer after 1 ms)', () => {
    expect(timer(1000)('24d', 'k')).toBe(24 * 86_400_000);
    expect(() => timer(1000)('25d', 'k')).toThrow('k: expected a duration from 1s to 24d, got "25d"');
    expect(() => timer(100)('50ms', 'k')).toThrow('k: expected a duration from 100ms to 24d, got "50ms"');
  });
  it('cuts a long bad value in the message', () => {
    expect(message(() => shape({ name: 'x', every: 'y'.repeat(500) }, 'top'))).toMatch(/got "y{56}\.\.\.$/);
  });
});
