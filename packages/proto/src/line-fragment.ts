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

// Per event of the fragment being encoded, the byte lengths found in the first pass (-1:
// field absent): type, path, text, the line message, the event message.
const TYPE = 0, PATH = 1, TEXT = 2, LINE = 3, EVENT = 4, STRIDE = 5;
let sizes = new Int32Array(STRIDE * 4096);

/** Bytes of a string field: tag, length and UTF-8 (0 for an absent field). */
const field = (len: number): number => (len < 0 ? 0 : 1 + varintLen(len) + len);

/** The fragment of `events`, or null when one of them is not a plain line event. */
export function encodeLineFragment(events: Event[]): Buffer | null {
  const n = events.length;
  if (sizes.length < STRIDE * n) sizes = new Int32Array(STRIDE * n);
  // Every line of a file repeats its type and path: measured once per change.
  let lastType: string | undefined, typeLen = -1, lastPath: string | undefined, pathLen = -1;
  let total = 0;
  for (let i = 0, z = 0; i < n; i++, z += STRIDE) {
    const ev = events[i];
    if (!plain(ev)) return null;
    const l = ev.line!;
    if (l.type !== lastType) { lastType = l.type; typeLen = l.type == null ? -1 : Buffer.byteLength(l.type); }
    if (l.path !== lastPath) { lastPath = l.path; pathLen = l.path == null ? -1 : Buffer.byteLength(l.path); }
    const textLen = l.text == null ? -1 : Buffer.byteLength(l.text);
    const line = field(typeLen) + field(pathLen) + field(textLen) +
      (l.offset != null ? 1 + varintLen(l.offset) : 0) + (l.truncated != null ? 2 : 0) +
      (l.originalLength != null ? 1 + varintLen(l.originalLength) : 0);
    const event = (ev.timeMs != null ? 1 + varintLen(ev.timeMs) : 0) + 1 + varintLen(line) + line;
    sizes[z + TYPE] = typeLen;
    sizes[z + PATH] = pathLen;
    sizes[z + TEXT] = textLen;
    sizes[z + LINE] = line;
    sizes[z + EVENT] = event;
    total += 1 + varintLen(event) + event;
  }
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  for (let i = 0, z = 0; i < n; i++, z += STRIDE) {
    const ev = events[i];
    const l = ev.line!;
    buf[p++] = EVENTS_TAG;
    p = writeVarint(buf, p, sizes[z + EVENT]);
    if (ev.timeMs != null) { buf[p++] = TIME_TAG; p = writeVarint(buf, p, ev.timeMs); }
    buf[p++] = LINE_TAG;
    p = writeVarint(buf, p, sizes[z + LINE]);
    if (sizes[z + TYPE] >= 0) p = writeString(buf, p, TYPE_TAG, l.type, sizes[z + TYPE]);
    if (sizes[z + PATH] >= 0) p = writeString(buf, p, PATH_TAG, l.path!, sizes[z + PATH]);
    if (l.offset != null) { buf[p++] = OFFSET_TAG; p = writeVarint(buf, p, l.offset); }
    if (sizes[z + TEXT] >= 0) p = writeString(buf, p, TEXT_TAG, l.text, sizes[z + TEXT]);
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
