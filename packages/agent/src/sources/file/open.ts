/**
 * Opens a file for tailing (through safe-open's checks) and positions it (resume.ts): from
 * its checkpoint when the file is still the one checkpointed (same device and inode), else
 * from byte 0 or, for `start_at: end`, after the last complete line.
 */
import { closeSync } from 'node:fs';
import { checkpointKey, fdId, type Checkpoint, type FileId } from './identity.js';
import { resumeState } from './resume.js';
import { openChecked, type ReadPolicy } from './safe-open.js';
import { Tailer, type TailerDeps } from './tailer.js';
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

/** Opens and positions a tailer; throws when the file cannot be opened or read, or is not admitted. */
export function openTailer(req: OpenRequest, deps: TailerDeps): Tailer {
  const fd = openChecked(req.location, req.policy, req.location === req.path, req.expect);
  try {
    const id = fdId(fd);
    const st = resumeState(fd, req.cp, req.atEnd ? 'end' : 0);
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
