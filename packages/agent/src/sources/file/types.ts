/**
 * Configuration shapes of the file source: one entry per configured path (globs allowed)
 * and the tuning options with their defaults. Pure data; no I/O here.
 */
import type { LogType } from '@vigil/proto';

export interface FileEntry {
  /** Absolute (or cwd-relative) path; `*`, `?` and `[...]` are allowed in any component. */
  path: string;
  type: LogType;
  /** Where to start a file that has no checkpoint and exists when the agent starts. */
  start_at?: 'beginning' | 'end';
  /** Lines longer than this many bytes are cut (on a UTF-8 boundary) and flagged. */
  max_line_bytes?: number;
  /**
   * Base-name globs a glob `path` never picks up (default DEFAULT_EXCLUDE: rotated and
   * compressed copies, which the file they came from already delivered). A path without
   * glob characters is always read.
   */
  exclude?: string[];
  /**
   * Follow symlinks a glob `path` finds, when their real path stays inside the glob's base
   * directory (default false: such links, and files below a linked directory, are skipped).
   * An explicit path (no glob characters) that is a symlink is always followed.
   */
  follow_symlinks?: boolean;
}

/**
 * Rotated copies (`auth.log.1`, `auth.log-20261127`, `.old`) and compressed ones: read
 * again under their new name they would repeat every line, and a compressed one is not
 * text. A rename rotation is still finished through the open file, and a copytruncate
 * copy through the sibling search, whatever its name.
 */
export const DEFAULT_EXCLUDE = ['*.gz', '*.bz2', '*.xz', '*.zst', '*.lz4', '*.zip', '*.[0-9]', '*.[0-9][0-9]', '*.old',
  '*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]', '*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'];

/** A valid `exclude`: a list of non-empty file-name globs (no '/'). */
export function isNameGlobList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '' && !x.includes('/'));
}

export interface FileSourceOptions {
  /** Poll period for discovery, rotation and growth checks (fs.watch also triggers). */
  pollMs?: number;
  /** Bytes read per read() call. */
  chunkBytes?: number;
  /** Lines per ctx.emit call at most. */
  batchLines?: number;
  /** Text bytes per ctx.emit call at most (approximately). */
  batchBytes?: number;
  /** A rotated-away or deleted file is closed after this long at its end without growth. */
  closeInactiveMs?: number;
  /**
   * When the agent process started (epoch ms; the agent passes it): at the first scan, a path
   * met without a checkpoint whose newest rotated sibling was renamed or created since then
   * has that sibling read too (it rotated before the source first looked). Unset: not done.
   */
  startedAtMs?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 65536;

export interface ResolvedOptions {
  pollMs: number;
  chunkBytes: number;
  batchLines: number;
  batchBytes: number;
  closeInactiveMs: number;
  startedAtMs: number | undefined;
}

export function resolveOptions(o: FileSourceOptions = {}): ResolvedOptions {
  return {
    pollMs: o.pollMs ?? 250,
    chunkBytes: o.chunkBytes ?? 1 << 20,
    batchLines: o.batchLines ?? 4096,
    batchBytes: o.batchBytes ?? 1 << 20,
    closeInactiveMs: o.closeInactiveMs ?? 5000,
    startedAtMs: o.startedAtMs,
  };
}
