/**
 * Opens a file for tailing (through safe-open's checks) and decides where reading starts:
 * from its checkpoint when the file is still the one checkpointed (same device, inode, first
 * bytes and last bytes read, and not shorter), in "replaced" state when the content under
 * that inode changed, else from byte 0 or, for `start_at: end`, after the last complete line.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import {
  checkpointKey, fdId, fingerprintOf, FP_MAX, hashBytes, readHead, readRange, TAIL_MAX,
  type Checkpoint, type FileId, type Fingerprint,
} from './identity.js';
import { openChecked, type ReadPolicy } from './safe-open.js';
import { Tailer, type TailerDeps, type TailState } from './tailer.js';
import { DEFAULT_MAX_LINE_BYTES, type FileEntry } from './types.js';

export interface OpenRequest {
  /** Path reported in events. */
  path: string;
  /** Where to open the file (a rotated sibling during recovery). */
  location: string;
  entry: FileEntry;
  policy: ReadPolicy;
  /** The identity found at discovery: the opened file must be that one. */
  expect?: FileId;
  cp?: Checkpoint;
  /** Start after the last complete line when there is no checkpoint. */
  atEnd?: boolean;
  /** Checkpoint key to use instead of this file's own (a copy finishing another file). */
  key?: string;
}

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

interface Resume { fp: Fingerprint; offset: number; replaced: boolean; tail: TailState }

/** The tail to check from now on: the checkpoint's, or the bytes before `end` as they are. */
function tailAt(fd: number, end: number): TailState {
  const len = Math.min(end, TAIL_MAX);
  return { bytes: Buffer.from(readRange(fd, end - len, len)), end, seen: end };
}

function resumeState(fd: number, size: number, head: Buffer, req: OpenRequest): Resume {
  const cp = req.cp;
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
  const offset = req.atEnd ? lastLineEnd(fd, size) : 0;
  return { fp: fingerprintOf(head, Math.min(offset, FP_MAX)), offset, replaced: false, tail: tailAt(fd, offset) };
}

/** Opens and positions a tailer; throws when the file cannot be opened or read, or is not admitted. */
export function openTailer(req: OpenRequest, deps: TailerDeps): Tailer {
  const fd = openChecked(req.location, req.policy, req.location === req.path, req.expect);
  try {
    const id = fdId(fd);
    const size = fstatSync(fd).size;
    const head = readHead(fd, FP_MAX);
    const st = resumeState(fd, size, head, req);
    return new Tailer({
      key: req.key ?? checkpointKey(id), path: req.path, location: req.location, fd, id,
      fp: st.fp, offset: st.offset, replaced: st.replaced, tail: st.tail,
      type: req.entry.type, maxLineBytes: req.entry.max_line_bytes ?? DEFAULT_MAX_LINE_BYTES,
    }, deps);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
