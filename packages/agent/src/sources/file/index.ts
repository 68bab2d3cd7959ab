/**
 * Public entry of the agent's file source: createFileSource(entries, options) builds a
 * Source that tails the configured paths (globs allowed) with exact-once rotation
 * handling and durable checkpoints under keys prefixed `file:`.
 */
import type { LogType } from '@vigil/proto';
import type { Source } from '../source.js';
import { FileSource, type FileSourceStats } from './file-source.js';
import { DEFAULT_MAX_LINE_BYTES, isNameGlobList, resolveOptions, type FileEntry, type FileSourceOptions } from './types.js';

export type { FileEntry, FileSourceOptions, FileSourceStats };
export { DEFAULT_MAX_LINE_BYTES };

const LOG_TYPES: readonly LogType[] = ['auth', 'syslog', 'backup', 'deployment', 'docker-events', 'json'];

export interface FileSourceHandle extends Source {
  /** Counters since start: lines and bytes read, lines truncated, files open. */
  stats(): FileSourceStats;
}

/** Validates the entries (throws an Error naming the bad field) and builds the source. */
export function createFileSource(entries: FileEntry[], opts?: FileSourceOptions): FileSourceHandle {
  if (!Array.isArray(entries) || entries.length === 0) throw new Error('files: at least one entry is required');
  entries.forEach((e, i) => {
    if (typeof e.path !== 'string' || e.path === '') throw new Error(`files[${i}].path: a non-empty path is required`);
    if (!LOG_TYPES.includes(e.type)) throw new Error(`files[${i}].type: must be one of ${LOG_TYPES.join(', ')}`);
    if (e.start_at !== undefined && e.start_at !== 'beginning' && e.start_at !== 'end') {
      throw new Error(`files[${i}].start_at: must be "beginning" or "end"`);
    }
    if (e.max_line_bytes !== undefined && (!Number.isSafeInteger(e.max_line_bytes) || e.max_line_bytes < 1)) {
      throw new Error(`files[${i}].max_line_bytes: must be a positive integer`);
    }
    if (e.exclude !== undefined && !isNameGlobList(e.exclude)) {
      throw new Error(`files[${i}].exclude: must be a list of file-name globs (no '/')`);
    }
  });
  const o = resolveOptions(opts);
  for (const k of ['pollMs', 'chunkBytes', 'batchLines', 'batchBytes'] as const) {
    if (!(o[k] > 0)) throw new Error(`file source option ${k} must be positive`);
  }
  return new FileSource(entries, o);
}
