/**
 * Streams a file's lines with the byte offset of each line's first byte, without loading
 * the file: chunks are split on '\n' (a '\r' before it is dropped), a line cut by a chunk
 * boundary is carried over, and a final line without a newline is still delivered.
 */
import { createReadStream } from 'node:fs';

export async function forEachLine(
  path: string, onLine: (text: string, offset: number) => void, afterChunk?: () => Promise<void> | void,
): Promise<number> {
  let carry: Buffer | null = null;
  let base = 0; // file offset of the first byte of `carry` (or of the chunk when no carry)
  let lines = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) !== -1) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      onLine(buf.toString('utf8', start, end), base + start);
      lines++;
      start = nl + 1;
    }
    carry = start < buf.length ? buf.subarray(start) : null;
    base += start;
    if (afterChunk) await afterChunk();
  }
  if (carry && carry.length) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    onLine(carry.toString('utf8', 0, end), base);
    lines++;
  }
  return lines;
}
