/**
 * What the file source may open, and opening it without being tricked: a path a glob found
 * is never a symlink, nor below one, unless its entry sets follow_symlinks (and then only
 * when its real path stays inside the glob's base directory); an explicit path's symlink is
 * followed only when no other user can have placed it (trustedLink); a glob never admits a
 * hard link to another owner's file; only regular files are opened (O_NOFOLLOW, O_NONBLOCK,
 * O_NOCTTY); the descriptor is checked after open (a regular file, the identity discovered,
 * on Linux its real path) so a swap in between is refused.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { FileId } from './identity.js';

/** How an entry's matches may be opened. */
export interface ReadPolicy {
  /** The entry's path has glob characters: its matches are not the admin's explicit choice. */
  glob: boolean;
  /** files[].follow_symlinks: symlinks a glob finds are followed within baseDir. */
  follow: boolean;
  /** The allowed tree of a glob: the deepest directory of the pattern without glob characters. */
  baseDir: string;
}

/** A path the source does not read (the message says why). */
export class NotAdmitted extends Error {}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const MY_UID = BigInt(process.getuid?.() ?? 0);
const trustedUid = (uid: bigint) => uid === 0n || uid === MY_UID;

/**
 * Why a symlink at an explicitly configured path may not be followed, undefined when it may:
 * like OpenSSH's StrictModes, the link and every folder above it must be owned by root or the
 * agent's user, and no folder writable by group or others unless sticky (where only a link's
 * owner can replace it). Otherwise another user may have put it there (`rm app.log; ln -s
 * /etc/shadow app.log`).
 */
export function untrustedLink(path: string): string | undefined {
  const link = lstatSync(path, { bigint: true });
  if (!trustedUid(link.uid)) return `a symbolic link owned by uid ${link.uid}, not root or the agent's user: not followed`;
  for (let d = dirname(path); ; d = dirname(d)) {
    const st = statSync(d, { bigint: true });
    if (!trustedUid(st.uid)) return `a symbolic link in ${d}, owned by uid ${st.uid}, not root or the agent's user: not followed`;
    if ((st.mode & 0o022n) !== 0n && (st.mode & 0o1000n) === 0n) {
      return `a symbolic link in ${d}, writable by group or others (mode ${(st.mode & 0o7777n).toString(8)}): not followed`;
    }
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Why a regular file a glob found is refused as a hard link to another owner's file (where
 * fs.protected_hardlinks is off, anyone can link /etc/shadow into a log folder): more than
 * one link, and an owner other than its folder's. Undefined when admitted.
 */
function foreignHardLink(path: string, st: { nlink: bigint | number; uid: bigint | number }): string | undefined {
  if (Number(st.nlink) <= 1) return undefined;
  const dirUid = statSync(dirname(path), { bigint: true }).uid;
  if (BigInt(st.uid) === dirUid) return undefined;
  return `a hard link (${st.nlink} links) owned by uid ${st.uid} in a folder of uid ${dirUid}: not read`;
}

function kindOf(st: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  if (st.isFIFO()) return 'a fifo';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Classifies a path an entry matched, without opening it: its stat (the identity to track
 * it by), undefined when it is gone (or a dangling link), or NotAdmitted with the reason.
 */
export function inspect(path: string, policy: ReadPolicy): { st: BigIntStats } | NotAdmitted | undefined {
  let st: BigIntStats;
  try {
    st = lstatSync(path, { bigint: true });
    if (st.isSymbolicLink()) {
      if (policy.glob && !policy.follow) return new NotAdmitted('a symbolic link found by a glob (not followed without follow_symlinks)');
      const why = policy.glob ? undefined : untrustedLink(path);
      if (why) return new NotAdmitted(why);
      st = statSync(path, { bigint: true });
    }
    if (!st.isFile()) return new NotAdmitted(`${kindOf(st)}, not a regular file`);
    const hard = policy.glob ? foreignHardLink(path, st) : undefined;
    return hard ? new NotAdmitted(hard) : { st };
  } catch { return undefined; }
}

/**
 * The real path a glob's match must have: itself below the real base directory (no symlink
 * below the base), or with follow, any path inside it. Undefined for an explicit path.
 */
function allowedReal(location: string, policy: ReadPolicy): string | undefined {
  if (!policy.glob) return undefined;
  const root = realpathSync.native(policy.baseDir);
  const real = realpathSync.native(location);
  if (policy.follow) {
    if (real !== root && !real.startsWith(root === sep ? sep : root + sep)) {
      throw new NotAdmitted(`resolves to ${real}, outside the allowed tree ${root}`);
    }
    return real;
  }
  const want = join(root, relative(policy.baseDir, location));
  if (real !== want) throw new NotAdmitted(`is below a symbolic link (resolves to ${real}; not followed without follow_symlinks)`);
  return want;
}

/** The path the kernel has for an open descriptor (Linux), undefined where unknown. */
function fdPath(fd: number): string | undefined {
  try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return undefined; }
}

/**
 * Opens a path read-only if it is a regular file that is not a symlink (a rotated sibling,
 * a copy). Throws NotAdmitted (or the open error); the caller closes the descriptor.
 */
export function openPlain(path: string, expect?: FileId): number {
  const fd = openSync(path, READ | NOFOLLOW);
  try {
    checkFd(fd, expect);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function checkFd(fd: number, expect: FileId | undefined): void {
  const st = fstatSync(fd, { bigint: true });
  if (!st.isFile()) throw new NotAdmitted(`${kindOf(st)}, not a regular file`);
  if (expect && (st.dev.toString() !== expect.dev || st.ino.toString() !== expect.ino)) {
    throw new NotAdmitted('replaced between discovery and open');
  }
}

/**
 * Opens a file for tailing under the entry's policy. `followLink`: the path is the match
 * itself (an explicit path's symlink is followed; a glob's only with follow_symlinks), not a
 * sibling. `expect`: the identity found at discovery. Throws NotAdmitted or the open error.
 */
export function openChecked(location: string, policy: ReadPolicy, followLink: boolean, expect?: FileId): number {
  const link = lstatSync(location).isSymbolicLink();
  if (link && !(followLink && (!policy.glob || policy.follow))) throw new NotAdmitted('a symbolic link, not followed here');
  const why = link && !policy.glob ? untrustedLink(location) : undefined;
  if (why) throw new NotAdmitted(why);
  const real = allowedReal(location, policy);
  const target = real ?? location;
  // a device is never opened, not even for a moment (opening one can have effects)
  const pre = statSync(target);
  if (!pre.isFile()) throw new NotAdmitted(`${kindOf(pre)}, not a regular file`);
  const fd = openSync(target, link && real === undefined ? READ : READ | NOFOLLOW);
  try {
    checkFd(fd, expect);
    const hard = policy.glob ? foreignHardLink(target, fstatSync(fd)) : undefined;
    if (hard) throw new NotAdmitted(hard);
    const now = real === undefined ? undefined : fdPath(fd);
    if (now !== undefined && now !== real) throw new NotAdmitted(`moved to ${now} while being opened`);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
