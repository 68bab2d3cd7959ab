/**
 * A direct encoder for the agent's hottest message: a Batch fragment of plain log-line
 * events (Event{time_ms, line{type, path, offset, text, truncated, original_length}}),
 * written straight into one buffer, with no writer operations or objects per field. It
 * gives byte for byte what protobufjs gives (present fields in field order, proto3 values
 * written when set, even if zero); anything else is left to protobufjs (null).
 */
import type { Event } from './types.js';

const EVENTS_TAG = (3 << 3) | 2; // Batch.events
const TIME_TAG = (1 << 3) | 0;   // Event.time_ms
const LINE_TAG = (2 << 3) | 2;   // Event.line
const TYPE_TAG = (1 << 3) | 2, PATH_TAG = (2 << 3) | 2, OFFSET_TAG = (3 << 3) | 0;
const TEXT_TAG = (4 << 3) | 2, TRUNCATED_TAG = (5 << 3) | 0, ORIGINAL_TAG = (6 << 3) | 0;

/** Bytes of a varint for a non-negative safe integer. */
function varintLen(v: number): number {
  let n = 1;
  while (v >= 128) { v = Math.floor(v / 128); n++; }
  return n;
}

function writeVarint(buf: Buffer, p: number, v: number): number {
  while (v >= 128) { buf[p++] = (v % 128) | 128; v = Math.floor(v / 128); }
  buf[p++] = v;
  return p;
}

// Node 20 has String.prototype.isWellFormed; the project's TypeScript lib predates it.
declare global { interface String { isWellFormed(): boolean } }

const okInt = (v: number | undefined): boolean => v == null || (Number.isSafeInteger(v) && v >= 0);
const okStr = (v: string | undefined): boolean => v == null || (typeof v === 'string' && v.isWellFormed());

/** Whether `ev` is a line event this encoder writes exactly like protobufjs. */
function plain(ev: Event): boolean {
  const l = ev.line;
  if (l == null || ev.metrics != null || ev.containerEvent != null || ev.containerState != null || ev.probe != null || ev.loss != null) return false;
  return l.fields == null && okInt(ev.timeMs) && okInt(l.offset) && okInt(l.originalLength) &&
    okStr(l.type) && okStr(l.path) && okStr(l.text) && (l.truncated == null || typeof l.truncated === 'boolean');
}

// Per event of the fragment being encoded: text bytes, line bytes, event bytes.
let sizes = new Int32Array(3 * 4096);

/** The fragment of `events`, or null when one of them is not a plain line event. */
export function encodeLineFragment(events: Event[]): Buffer | null {
  const n = events.length;
  if (sizes.length < 3 * n) sizes = new Int32Array(3 * n);
  let lastType: string | undefined, typeLen = 0, lastPath: string | undefined, pathLen = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const ev = events[i];
    if (!plain(ev)) return null;
    const l = ev.line!;
    let line = 0;
    if (l.type != null) {
      if (l.type !== lastType) { lastType = l.type; typeLen = Buffer.byteLength(l.type); }
      line += 1 + varintLen(typeLen) + typeLen;
    }
    if (l.path != null) {
      if (l.path !== lastPath) { lastPath = l.path; pathLen = Buffer.byteLength(l.path); }
      line += 1 + varintLen(pathLen) + pathLen;
    }
    if (l.offset != null) line += 1 + varintLen(l.offset);
    const textLen = l.text != null ? Buffer.byteLength(l.text) : -1;
    if (textLen >= 0) line += 1 + varintLen(textLen) + textLen;
    if (l.truncated != null) line += 2;
    if (l.originalLength != null) line += 1 + varintLen(l.originalLength);
    const event = (ev.timeMs != null ? 1 + varintLen(ev.timeMs) : 0) + 1 + varintLen(line) + line;
    sizes[3 * i] = textLen;
    sizes[3 * i + 1] = line;
    sizes[3 * i + 2] = event;
    total += 1 + varintLen(event) + event;
  }
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  lastType = lastPath = undefined;
  for (let i = 0; i < n; i++) {
    const ev = events[i];
    const l = ev.line!;
    buf[p++] = EVENTS_TAG;
    p = writeVarint(buf, p, sizes[3 * i + 2]);
    if (ev.timeMs != null) { buf[p++] = TIME_TAG; p = writeVarint(buf, p, ev.timeMs); }
    buf[p++] = LINE_TAG;
    p = writeVarint(buf, p, sizes[3 * i + 1]);
    if (l.type != null) {
      if (l.type !== lastType) { lastType = l.type; typeLen = Buffer.byteLength(l.type); }
      p = writeString(buf, p, TYPE_TAG, l.type, typeLen);
    }
    if (l.path != null) {
      if (l.path !== lastPath) { lastPath = l.path; pathLen = Buffer.byteLength(l.path); }
      p = writeString(buf, p, PATH_TAG, l.path, pathLen);
    }
    if (l.offset != null) { buf[p++] = OFFSET_TAG; p = writeVarint(buf, p, l.offset); }
    if (sizes[3 * i] >= 0) p = writeString(buf, p, TEXT_TAG, l.text, sizes[3 * i]);
    if (l.truncated != null) { buf[p++] = TRUNCATED_TAG; buf[p++] = l.truncated ? 1 : 0; }
    if (l.originalLength != null) { buf[p++] = ORIGINAL_TAG; p = writeVarint(buf, p, l.originalLength); }
  }
  if (p !== total) throw new Error(`line fragment size mismatch: wrote ${p} of ${total} bytes`);
  return buf;
}

/** A string field: tag, byte length (known), UTF-8 bytes. */
function writeString(buf: Buffer, p: number, tag: number, s: string, len: number): number {
  buf[p++] = tag;
  p = writeVarint(buf, p, len);
  return p + buf.write(s, p, len, 'utf8');
}
