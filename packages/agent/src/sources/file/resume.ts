/**
 * Where reading a file's descriptor starts: from its checkpoint when the file still holds the
 * content checkpointed (first bytes and last bytes read, and not shorter), in "replaced" state
 * when that content changed, else from a given offset or, for 'end', after the last complete
 * line. Used when a tailer opens and when it rewinds after a refused write (state disk full).
 */
import { fstatSync, readSync } from 'node:fs';
import { fingerprintOf, FP_MAX, hashBytes, readHead, readRange, TAIL_MAX, type Checkpoint, type Fingerprint } from './identity.js';

/**
 * The last bytes read (up to TAIL_MAX), which the file must still hold at
 * [end - bytes.length, end), and the size this content was last seen with (bytes beyond
 * the checkpoint offset up to `seen` are lost if the content goes without a copy). `mark`:
 * only the hash is known (a checkpoint whose file was replaced while the agent was away).
 */
export interface TailState { bytes: Buffer; end: number; seen: number; mark?: { len: number; hash: string } }

export interface Resume { fp: Fingerprint; offset: number; replaced: boolean; tail: TailState }

/** Offset just after the last newline in the file (or 0), searched backwards. */
function lastLineEnd(fd: number, size: number): number {
  const buf = Buffer.allocUnsafe(65536);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const nl = buf.subarray(0, n).lastIndexOf(10);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return 0;
}

/** The tail to check from now on: the bytes before `end` as they are. */
function tailAt(fd: number, end: number): TailState {
  const len = Math.min(end, TAIL_MAX);
  return { bytes: Buffer.from(readRange(fd, end - len, len)), end, seen: end };
}

/** The reading state of `fd`: after `cp` when it still applies, else from `from` (an offset or 'end'). */
export function resumeState(fd: number, cp: Checkpoint | undefined, from: number | 'end'): Resume {
  const size = fstatSync(fd).size;
  const head = readHead(fd, FP_MAX);
  if (cp) {
    const te = cp.te ?? cp.off;
    const tail = cp.tl ? readRange(fd, te - cp.tl, cp.tl) : undefined;
    const same = head.length >= cp.fpLen && hashBytes(head.subarray(0, cp.fpLen)) === cp.fp && size >= cp.off
      && (!tail || (tail.length === cp.tl && hashBytes(tail) === cp.th));
    if (same) {
      const fp = fingerprintOf(head, Math.max(cp.fpLen, Math.min(cp.off, FP_MAX)));
      return { fp, offset: cp.off, replaced: false, tail: tail ? { bytes: Buffer.from(tail), end: te, seen: te } : tailAt(fd, cp.off) };
    }
    const mark = cp.tl ? { len: cp.tl, hash: cp.th! } : undefined;
    return { fp: { len: cp.fpLen, hash: cp.fp }, offset: cp.off, replaced: true, tail: { bytes: Buffer.alloc(0), end: te, seen: te, mark } };
  }
  const offset = from === 'end' ? lastLineEnd(fd, size) : Math.min(from, size);
  return { fp: fingerprintOf(head, Math.min(offset, FP_MAX)), offset, replaced: false, tail: tailAt(fd, offset) };
}
