/**
 * File identity: device + inode + a fingerprint of the first bytes (up to 256), so that
 * renames are followed and inode reuse or truncation is recognised, plus a hash of the
 * last bytes read (up to TAIL_MAX), so that a rewrite keeping the first bytes (a banner)
 * is recognised too. Also the checkpoint codec: one JSON value per tracked file under the
 * key `file:<dev>:<ino>` (the tail fields are optional: older checkpoints stay readable).
 */
import { createHash } from 'node:crypto';
import { fstatSync, readSync } from 'node:fs';

export const FP_MAX = 256;
/** Bytes of the content just before the read position that must still be there. */
export const TAIL_MAX = 4096;

export interface Fingerprint {
  /** How many leading bytes it covers (0..FP_MAX). */
  len: number;
  /** sha1 hex of those bytes. */
  hash: string;
  /** The bytes themselves when known (for a cheap compare while reading). */
  bytes?: Buffer;
}

export interface FileId { dev: string; ino: string }

export interface Checkpoint {
  /** The path the file was tracked under (its log.file.path). */
  path: string;
  dev: string;
  ino: string;
  fp: string;
  fpLen: number;
  /** Byte offset of the first line not yet emitted. */
  off: number;
  /** The tail: sha1 `th` of the `tl` bytes that end at offset `te` (te >= off; absent in old checkpoints). */
  te?: number;
  tl?: number;
  th?: string;
}

/** A range of bytes the file must still hold: [end - len, end) hashing to `hash`. */
export interface TailMark { end: number; len: number; hash: string }

export const KEY_PREFIX = 'file:';

export function idKey(id: FileId): string {
  return `${id.dev}:${id.ino}`;
}

export function checkpointKey(id: FileId): string {
  return KEY_PREFIX + idKey(id);
}

export function fdId(fd: number): FileId {
  const st = fstatSync(fd, { bigint: true });
  return { dev: st.dev.toString(), ino: st.ino.toString() };
}

export function hashBytes(b: Buffer): string {
  return createHash('sha1').update(b).digest('hex');
}

/** Reads up to `len` bytes of an open file from `pos` (fewer at its end). */
export function readRange(fd: number, pos: number, len: number, buf = Buffer.allocUnsafe(len)): Buffer {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Reads up to `max` leading bytes of an open file. */
export function readHead(fd: number, max: number): Buffer {
  return readRange(fd, 0, max);
}

/** True when the open file holds the marked bytes. */
export function fdHasTail(fd: number, t: TailMark): boolean {
  if (t.len === 0) return true;
  const b = readRange(fd, t.end - t.len, t.len);
  return b.length === t.len && hashBytes(b) === t.hash;
}

export function fingerprintOf(head: Buffer, len: number): Fingerprint {
  const bytes = Buffer.from(head.subarray(0, Math.min(len, head.length)));
  return { len: bytes.length, hash: hashBytes(bytes), bytes };
}

/** True when the open file still starts with the fingerprinted bytes. */
export function fdMatches(fd: number, fp: Fingerprint): boolean {
  if (fp.len === 0) return true;
  const head = readHead(fd, fp.len);
  if (head.length < fp.len) return false;
  return fp.bytes ? head.equals(fp.bytes) : hashBytes(head) === fp.hash;
}

export function encodeCheckpoint(c: Checkpoint): string {
  return JSON.stringify({ v: 1, ...c });
}

/** Parses a stored checkpoint; undefined when it is not one of ours or malformed. */
export function decodeCheckpoint(s: string): Checkpoint | undefined {
  let o: unknown;
  try { o = JSON.parse(s); } catch { return undefined; }
  if (typeof o !== 'object' || o === null) return undefined;
  const c = o as Record<string, unknown>;
  if (c.v !== 1 || typeof c.path !== 'string' || typeof c.dev !== 'string' || typeof c.ino !== 'string'
    || typeof c.fp !== 'string' || !Number.isSafeInteger(c.fpLen) || !Number.isSafeInteger(c.off)
    || (c.off as number) < 0 || (c.fpLen as number) < 0 || (c.fpLen as number) > FP_MAX) return undefined;
  const cp: Checkpoint = { path: c.path, dev: c.dev, ino: c.ino, fp: c.fp, fpLen: c.fpLen as number, off: c.off as number };
  if (c.tl === undefined) return cp;
  const te = c.te as number;
  const tl = c.tl as number;
  if (!Number.isSafeInteger(te) || !Number.isSafeInteger(tl) || tl < 0 || tl > TAIL_MAX || te < cp.off || tl > te
    || typeof c.th !== 'string') return undefined;
  return { ...cp, te, tl, th: c.th };
}
