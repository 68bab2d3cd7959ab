/**
 * Finds a file's rotated siblings (NAME.1, NAME-20261127, NAME_old, or STEM.1.EXT when
 * the name keeps its extension; compressed ones such as NAME.1.gz excluded), and among
 * them the same file by device+inode or a copy of it by fingerprint, tail and size. A
 * sibling that is a symlink or not a regular file is never a candidate (nor opened).
 */
import { closeSync, lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fdHasTail, hashBytes, readHead, type FileId, type TailMark } from './identity.js';
import { openPlain } from './safe-open.js';

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzma|zip|z|Z|7z)$/;
const SEPARATORS = '.-_';

/** Paths in the same directory that look like rotations of `path` (not `path` itself). */
export function siblingsOf(path: string): string[] {
  const dir = dirname(path);
  const base = basename(path);
  const ext = extname(base);
  const stem = ext ? base.slice(0, -ext.length) : '';
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.filter((n) => {
    if (n === base || COMPRESSED.test(n)) return false;
    if (n.startsWith(base) && SEPARATORS.includes(n[base.length])) return true;
    return stem !== '' && n.startsWith(stem) && SEPARATORS.includes(n[stem.length]) && n.endsWith(ext);
  }).map((n) => join(dir, n));
}

/** `path` or one of its siblings whose device and inode are `id`. */
export function findById(path: string, id: FileId): string | undefined {
  for (const p of [path, ...siblingsOf(path)]) {
    try {
      const st = lstatSync(p, { bigint: true });
      if (st.isFile() && st.dev.toString() === id.dev && st.ino.toString() === id.ino) return p;
    } catch { /* vanished meanwhile */ }
  }
  return undefined;
}

export interface CopyQuery { fpHash: string; fpLen: number; minSize: number; exclude?: FileId; tail?: TailMark }

/**
 * The newest sibling (or `path` itself when it is another inode) that starts with the
 * fingerprinted bytes and holds at least minSize bytes: the rotated copy of the content.
 */
export function findCopy(path: string, q: CopyQuery): string | undefined {
  let best: { p: string; mtime: number } | undefined;
  for (const p of [path, ...siblingsOf(path)]) {
    try {
      const st = lstatSync(p, { bigint: true });
      const size = Number(st.size);
      if (!st.isFile() || size < q.minSize || size < q.fpLen || (q.tail && size < q.tail.end)) continue;
      if (q.exclude && st.dev.toString() === q.exclude.dev && st.ino.toString() === q.exclude.ino) continue;
      const fd = openPlain(p, { dev: st.dev.toString(), ino: st.ino.toString() });
      let ok: boolean;
      try {
        ok = hashBytes(readHead(fd, q.fpLen)) === q.fpHash && (!q.tail || fdHasTail(fd, q.tail));
      } finally { closeSync(fd); }
      const mtime = Number(st.mtimeMs);
      if (ok && (!best || mtime > best.mtime)) best = { p, mtime };
    } catch { /* unreadable or vanished: not a candidate */ }
  }
  return best?.p;
}

/** File times come from the kernel's coarse clock, which may lag the wall clock by a tick. */
const CTIME_SLACK_MS = 100;

/**
 * The content of `path` rotated away since `sinceMs`, before the source first looked at
 * `path`: the sibling written last if it was renamed or created since (its ctime), and any
 * other renamed or created since that was also written to since (a second rotation). An
 * older copy renamed along a chain (NAME.1 -> NAME.2) was last written before: left alone.
 */
export function rotatedSince(path: string, sinceMs: number): string[] {
  const since = sinceMs - CTIME_SLACK_MS;
  const found: Array<{ p: string; mtime: number; ctime: number }> = [];
  for (const p of siblingsOf(path)) {
    try {
      const st = lstatSync(p);
      if (st.isFile()) found.push({ p, mtime: st.mtimeMs, ctime: st.ctimeMs });
    } catch { /* vanished meanwhile */ }
  }
  found.sort((a, b) => a.mtime - b.mtime);
  const newest = found.at(-1);
  return found.filter((f) => f.ctime >= since && (f === newest || f.mtime >= since)).map((f) => f.p);
}
