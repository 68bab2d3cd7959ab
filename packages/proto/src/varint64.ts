/**
 * 64-bit varints read straight into numbers. protobufjs (configured without Long) reads
 * each one into a fresh LongBits object and converts it: two objects per log line on the
 * collector's hottest path. This is the same reading, step for step (same bounds checks
 * and errors, same two's complement for negative int64), without the objects.
 */
import protobuf from 'protobufjs';

interface ReaderState { buf: Uint8Array; pos: number; len: number }

function outOfRange(r: ReaderState): RangeError {
  return RangeError('index out of range: ' + r.pos + ' + 1 > ' + r.len);
}

/** LongBits.toNumber: hi and lo 32-bit halves as a number, signed unless `unsigned`. */
function toNumber(lo: number, hi: number, unsigned: boolean): number {
  if (!unsigned && hi >>> 31) {
    const l = ~lo + 1 >>> 0;
    let h = ~hi >>> 0;
    if (!l) h = h + 1 >>> 0;
    return -(l + h * 4294967296);
  }
  return lo + hi * 4294967296;
}

function readVarint64(r: ReaderState, unsigned: boolean): number {
  const buf = r.buf;
  let lo = 0;
  let hi = 0;
  let i = 0;
  if (r.len - r.pos > 4) { // fast route (lo)
    for (; i < 4; ++i) {
      lo = (lo | (buf[r.pos] & 127) << i * 7) >>> 0;
      if (buf[r.pos++] < 128) return toNumber(lo, hi, unsigned);
    }
    lo = (lo | (buf[r.pos] & 127) << 28) >>> 0;
    hi = (hi | (buf[r.pos] & 127) >> 4) >>> 0;
    if (buf[r.pos++] < 128) return toNumber(lo, hi, unsigned);
    i = 0;
  } else {
    for (; i < 3; ++i) {
      if (r.pos >= r.len) throw outOfRange(r);
      lo = (lo | (buf[r.pos] & 127) << i * 7) >>> 0;
      if (buf[r.pos++] < 128) return toNumber(lo, hi, unsigned);
    }
    lo = (lo | (buf[r.pos++] & 127) << i * 7) >>> 0;
    return toNumber(lo, hi, unsigned);
  }
  if (r.len - r.pos > 4) { // fast route (hi)
    for (; i < 5; ++i) {
      hi = (hi | (buf[r.pos] & 127) << i * 7 + 3) >>> 0;
      if (buf[r.pos++] < 128) return toNumber(lo, hi, unsigned);
    }
  } else {
    for (; i < 5; ++i) {
      if (r.pos >= r.len) throw outOfRange(r);
      hi = (hi | (buf[r.pos] & 127) << i * 7 + 3) >>> 0;
      if (buf[r.pos++] < 128) return toNumber(lo, hi, unsigned);
    }
  }
  throw Error('invalid varint encoding');
}

/** Installs the readers (after protobuf.configure(), which would put back its own). */
export function installVarint64(): void {
  const proto = protobuf.Reader.prototype as unknown as Record<string, (this: ReaderState) => number>;
  proto.int64 = function read_int64(this: ReaderState) { return readVarint64(this, false); };
  proto.uint64 = function read_uint64(this: ReaderState) { return readVarint64(this, true); };
}

/** For tests: the reading itself. */
export { readVarint64 };
