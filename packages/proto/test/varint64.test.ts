/**
 * The 64-bit varint readers that replace protobufjs's (same values, no objects): every
 * byte length from 1 to 10, unsigned and signed (two's complement), values past 2^53
 * rounded as protobufjs rounds them, and reads past the end of the buffer refused.
 */
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { readVarint64 } from '../src/varint64.js';
import '../src/codec.js'; // installs them

const write = (f: (w: protobuf.Writer) => void) => { const w = protobuf.Writer.create(); f(w); return w.finish(); };
const read = (bytes: Uint8Array, unsigned: boolean) => readVarint64({ buf: bytes, pos: 0, len: bytes.length }, unsigned);

describe('64-bit varints', () => {
  it('reads every length back to the number written', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 + 17, 1795000000000, 2 ** 49 + 3, Number.MAX_SAFE_INTEGER];
    for (const v of values) {
      expect(read(write((w) => w.uint64(v)), true), `uint64 ${v}`).toBe(v);
      expect(read(write((w) => w.int64(v)), false), `int64 ${v}`).toBe(v);
      expect(read(write((w) => w.int64(-v)), false), `int64 ${-v}`).toBe(-v || 0);
    }
  });

  it('reads through the installed protobufjs readers, in a decoded message', () => {
    const r = protobuf.Reader.create(write((w) => { w.uint64(2 ** 40 + 5); w.int64(-2); w.uint32(7); }));
    expect([r.uint64(), r.int64(), r.uint32()]).toEqual([2 ** 40 + 5, -2, 7]);
  });

  it('refuses a varint cut short or longer than ten bytes', () => {
    const long = write((w) => w.uint64(2 ** 50));
    for (let n = 1; n < long.length; n++) {
      const cut = long.subarray(0, n);
      if (n >= 5) expect(() => read(cut, true), `cut at ${n}`).toThrow(/index out of range/);
    }
    expect(() => read(new Uint8Array(11).fill(0xff), true)).toThrow(/invalid varint/);
  });
});
