/**
 * Encodes and decodes the frames of vigil.proto with protobufjs (reflection, compiled to
 * fast code at load). Also builds a Batch frame from pre-encoded event fragments, so the
 * agent's outbox stores events encoded once and sends them without re-encoding, and wraps
 * a batch frame in a deflated one (inflated with a size bound: no decompression bombs).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import protobuf from 'protobufjs';
import type { AgentFrame, CollectorFrame, Event, EventBody } from './types.js';

// int64 as plain numbers: no Long objects anywhere in Vigil.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

export const PROTO_PATH = fileURLToPath(new URL('../src/vigil.proto', import.meta.url));
const root = protobuf.parse(readFileSync(PROTO_PATH, 'utf8'), { keepCase: false }).root;
const T = {
  AgentFrame: root.lookupType('vigil.v1.AgentFrame'),
  CollectorFrame: root.lookupType('vigil.v1.CollectorFrame'),
  Event: root.lookupType('vigil.v1.Event'),
};
const BATCH_FIELD = 2;   // AgentFrame.batch
const DEFLATED_FIELD = 4; // AgentFrame.deflated
const EVENTS_FIELD = 3;  // Batch.events
const LEN = 2;           // wire type: length-delimited

/** Thrown for bytes that are not a valid frame. */
export class FrameError extends Error {
  constructor(message: string) { super(message); this.name = 'FrameError'; }
}

function decodeWith<T>(type: protobuf.Type, buf: Uint8Array, what: string): T {
  try {
    return type.decode(buf) as unknown as T;
  } catch (err) {
    throw new FrameError(`malformed ${what}: ${(err as Error).message}`);
  }
}

export function encodeAgentFrame(frame: AgentFrame): Uint8Array {
  return T.AgentFrame.encode(frame as unknown as protobuf.Message).finish();
}
export function decodeAgentFrame(buf: Uint8Array): AgentFrame {
  return decodeWith<AgentFrame>(T.AgentFrame, buf, 'agent frame');
}
export function encodeCollectorFrame(frame: CollectorFrame): Uint8Array {
  return T.CollectorFrame.encode(frame as unknown as protobuf.Message).finish();
}
export function decodeCollectorFrame(buf: Uint8Array): CollectorFrame {
  return decodeWith<CollectorFrame>(T.CollectorFrame, buf, 'collector frame');
}

/** Which body a decoded agent frame carries (its oneof), or undefined for none. */
export function frameBody(frame: AgentFrame): 'hello' | 'batch' | 'heartbeat' | 'deflated' | undefined {
  return (frame as { body?: 'hello' | 'batch' | 'heartbeat' | 'deflated' }).body;
}

/** Which body an event carries, or undefined for an empty event. */
export function eventBody(ev: Event): EventBody | undefined {
  return (ev as unknown as { body?: EventBody }).body ??
    (['line', 'metrics', 'containerEvent', 'containerState', 'probe', 'loss'] as const)
      .find((k) => ev[k] != null);
}

/**
 * Encodes events as a fragment of a Batch message (repeated field 3). Fragments
 * concatenate: fragment(a) + fragment(b) equals fragment(a.concat(b)).
 */
export function encodeEventsFragment(events: Event[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const ev of events) {
    w.uint32((EVENTS_FIELD << 3) | LEN).fork();
    T.Event.encode(ev as unknown as protobuf.Message, w);
    w.ldelim();
  }
  return w.finish();
}

/** Builds the bytes of AgentFrame{batch{first_seq, sent_ms, events}} from fragments. */
export function encodeBatchFrame(firstSeq: number, sentMs: number, fragments: Uint8Array[]): Uint8Array {
  const head = protobuf.Writer.create();
  head.uint32((1 << 3) | 0).uint64(firstSeq).uint32((2 << 3) | 0).int64(sentMs);
  const headBytes = head.finish();
  let bodyLen = headBytes.length;
  for (const f of fragments) bodyLen += f.length;
  const prefix = protobuf.Writer.create().uint32((BATCH_FIELD << 3) | LEN).uint32(bodyLen).finish();
  const out = new Uint8Array(prefix.length + bodyLen);
  out.set(prefix, 0);
  out.set(headBytes, prefix.length);
  let at = prefix.length + headBytes.length;
  for (const f of fragments) { out.set(f, at); at += f.length; }
  return out;
}

/** AgentFrame{deflated}: the encoded frame `frame` (a batch frame) compressed with raw DEFLATE. */
export function deflateFrame(frame: Uint8Array): Uint8Array {
  const body = deflateRawSync(frame, { level: 1 });
  const prefix = protobuf.Writer.create().uint32((DEFLATED_FIELD << 3) | LEN).uint32(body.length).finish();
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

/**
 * The batch frame inside AgentFrame.deflated, inflated to at most `maxBytes`, and its size.
 * Throws FrameError for bad DEFLATE data, a frame that would inflate past the bound, or
 * inner bytes that are not a batch frame.
 */
export function inflateFrame(deflated: Uint8Array, maxBytes: number): { frame: AgentFrame; bytes: number } {
  let inner: Buffer;
  try {
    inner = inflateRawSync(deflated, { maxOutputLength: maxBytes });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new FrameError(e.code === 'ERR_BUFFER_TOO_LARGE'
      ? `deflated frame inflates past ${maxBytes} bytes` : `malformed deflated frame: ${e.message}`);
  }
  const frame = decodeAgentFrame(inner);
  if (frameBody(frame) !== 'batch') throw new FrameError('a deflated frame must carry a batch');
  return { frame, bytes: inner.length };
}
