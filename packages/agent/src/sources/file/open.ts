/**
 * Opens a file for tailing and decides where reading starts: from its checkpoint when the
 * file is still the one checkpointed (same device, inode and first bytes, and not shorter),
 * in "replaced" state when the content under that inode changed, else from byte 0 or, for
 * `start_at: end`, after the last complete line.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  checkpointKey, fdId, fingerprintOf, FP_MAX, hashBytes, readHead, type Checkpoint, type Fingerprint,
} from './identity.js';
import { Tailer, type TailerDeps } from './tailer.js';
import { DEFAULT_MAX_LINE_BYTES, type FileEntry } from './types.js';

export interface OpenRequest {
  /** Path reported in events. */
  path: string;
  /** Where to open the file (a rotated sibling during recovery). */
  location: string;
  entry: FileEntry;
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

function resumeState(fd: number, size: number, head: Buffer, req: OpenRequest): { fp: Fingerprint; offset: number; replaced: boolean } {
  const cp = req.cp;
  if (cp) {
    const same = head.length >= cp.fpLen && hashBytes(head.subarray(0, cp.fpLen)) === cp.fp && size >= cp.off;
    if (same) return { fp: fingerprintOf(head, Math.max(cp.fpLen, Math.min(cp.off, FP_MAX))), offset: cp.off, replaced: false };
    return { fp: { len: cp.fpLen, hash: cp.fp }, offset: cp.off, replaced: true };
  }
  const offset = req.atEnd ? lastLineEnd(fd, size) : 0;
  return { fp: fingerprintOf(head, Math.min(offset, FP_MAX)), offset, replaced: false };
}

/** Opens and positions a tailer; throws when the file cannot be opened or read. */
export function openTailer(req: OpenRequest, deps: TailerDeps): Tailer {
  const fd = openSync(req.location, 'r');
  try {
    const id = fdId(fd);
    const size = fstatSync(fd).size;
    const head = readHead(fd, FP_MAX);
    const st = resumeState(fd, size, head, req);
    return new Tailer({
      key: req.key ?? checkpointKey(id), path: req.path, location: req.location, fd, id,
      fp: st.fp, offset: st.offset, replaced: st.replaced,
      type: req.entry.type, maxLineBytes: req.entry.max_line_bytes ?? DEFAULT_MAX_LINE_BYTES,
    }, deps);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
