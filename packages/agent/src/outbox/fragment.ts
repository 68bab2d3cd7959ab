/**
 * Walks pre-encoded event fragments (repeated `Batch.events` field records, as written by
 * encodeEventsFragment) without decoding them, so a stored row can be cut at an event
 * boundary: to resend from its first unacked event, or to split a row over frames.
 */

function varint(buf: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i];
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, i + 1];
    mul *= 128;
  }
  throw new Error(`outbox: corrupt fragment (varint at byte ${at})`);
}

/** Byte offset just past one event record starting at `at`. */
function nextEvent(buf: Uint8Array, at: number): number {
  const [, afterTag] = varint(buf, at);
  const [len, afterLen] = varint(buf, afterTag);
  const end = afterLen + len;
  if (end > buf.length) throw new Error(`outbox: corrupt fragment (record at byte ${at} runs past the end)`);
  return end;
}

/** Byte offset of event number `n` (0-based) in the fragment. */
export function offsetOfEvent(buf: Uint8Array, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) at = nextEvent(buf, at);
  return at;
}

/**
 * From byte `start`, takes whole events while the bytes stay within `budget` (always at
 * least one event). Returns the end offset and how many events were taken.
 */
export function takeEvents(buf: Uint8Array, start: number, budget: number): { end: number; count: number } {
  let at = start;
  let count = 0;
  while (at < buf.length) {
    const next = nextEvent(buf, at);
    if (count > 0 && next - start > budget) break;
    at = next;
    count++;
  }
  return { end: at, count };
}
