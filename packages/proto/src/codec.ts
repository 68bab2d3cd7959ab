/**
 * Encodes and decodes the frames of vigil.proto with protobufjs (reflection, compiled to
 * fast code at load). Also builds a Batch frame from pre-encoded event fragments, so the
 * agent's outbox stores events encoded once and sends them without re-encoding (compressed
 * batch frames: compress.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { AgentFrame, CollectorFrame, Event, EventBody } from './types.js';
import { encodeLineFragment } from './line-fragment.js';
import { installVarint64 } from './varint64.js';

// int64 as plain numbers: no Long objects anywhere in Vigil.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();
installVarint64(); // and read without a LongBits object per value

export const PROTO_PATH = fileURLToPath(new URL('../src/vigil.proto', import.meta.url));
const root = protobuf.parse(readFileSync(PROTO_PATH, 'utf8'), { keepCase: false }).root;
const T = {
  AgentFrame: root.lookupType('vigil.v1.AgentFrame'),
  CollectorFrame: root.lookupType('vigil.v1.CollectorFrame'),
  Event: root.lookupType('vigil.v1.Event'),
};
const BATCH_FIELD = 2;   // AgentFrame.batch
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

/** The bodies of an AgentFrame (its oneof). */
export type AgentFrameBody = 'hello' | 'batch' | 'heartbeat' | 'deflated' | 'brotli';

/** Which body a decoded agent frame carries (its oneof), or undefined for none. */
export function frameBody(frame: AgentFrame): AgentFrameBody | undefined {
  return (frame as { body?: AgentFrameBody }).body;
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
  const lines = encodeLineFragment(events); // the agent's usual case, written directly
  if (lines !== null) return lines;
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
