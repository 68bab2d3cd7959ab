// Agent batch frames for the ingest benchmarks: the lines of a log file, BATCH lines a frame,
// encoded once with this tree's wire codec (the wire format is the contract), each with the
// sequence number of its last line.
import { readFileSync } from 'node:fs';
import { encodeAgentFrame } from '../../packages/proto/dist/index.js';

export const BATCH = 1000;

/** Wire frames for the lines of `file`, BATCH lines each: { last, bytes }. */
export function batchFrames(file) {
  const text = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const now = Date.now();
  const frames = [];
  let offset = 0;
  for (let i = 0; i < text.length; i += BATCH) {
    const events = text.slice(i, i + BATCH).map((t) => {
      const ev = { timeMs: now, line: { type: 'auth', path: '/var/log/auth.log', offset, text: t } };
      offset += Buffer.byteLength(t) + 1;
      return ev;
    });
    frames.push({ last: i + events.length, bytes: encodeAgentFrame({ batch: { firstSeq: i + 1, sentMs: now, events } }) });
  }
  return frames;
}
