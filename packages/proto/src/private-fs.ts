/**
 * Private files and folders, for both processes: everything Vigil writes (databases and their
 * -wal/-shm, state, tokens, reports) is for its owner alone, whatever the umask. Folders are
 * created 0700 and files 0600; existing ones with wider modes are tightened, with a log line.
 * SQLite gives -wal/-shm (and journals) the mode of their database file, so callers create
 * the database file here before SQLite opens it.
 */
import { chmodSync, closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from './log.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Removes group and other bits from an existing path (special bits kept); false when it does not exist. */
function tighten(path: string, want: number, log?: Logger): boolean {
  let full: number;
  try { full = statSync(path).mode; } catch { return false; }
  const mode = full & 0o777;
  if ((mode & ~want) !== 0) {
    chmodSync(path, (full & 0o7000) | (mode & want));
    log?.warn('tightened the permissions of a Vigil file', { path, from: mode.toString(8), to: (mode & want).toString(8) });
  }
  return true;
}

/**
 * Why an existing folder cannot be Vigil's own (writable by others, or sticky like /tmp), or
 * undefined. Vigil never tightens such a shared folder: it would break what else lives there.
 */
export function sharedDirProblem(dir: string): string | undefined {
  let mode: number;
  try { mode = statSync(dir).mode; } catch { return undefined; }   // created 0700 later
  if ((mode & 0o1000) !== 0 || (mode & 0o002) !== 0) {
    return `${dir} is shared (mode ${(mode & 0o7777).toString(8)}: writable by others or sticky, like /tmp); give Vigil a folder of its own`;
  }
  return undefined;
}

/** Creates a folder (and missing parents) 0700, or tightens an existing one. */
export function privateDir(dir: string, log?: Logger): void {
  const path = resolve(dir);
  const problem = sharedDirProblem(path);
  if (problem) throw new Error(problem);
  if (tighten(path, PRIVATE_DIR_MODE, log)) return;
  const first = mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  // the mode given to mkdir passes through the umask: set it exactly on what was created
  for (let p = path; first !== undefined; p = dirname(p)) {
    chmodSync(p, PRIVATE_DIR_MODE);
    if (p.length <= first.length) break;
  }
}

/** Creates an empty file 0600 if missing (nothing else is touched), or tightens an existing one. */
export function privateFile(path: string, log?: Logger): void {
  if (tighten(path, PRIVATE_FILE_MODE, log)) return;
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try { fchmodSync(fd, PRIVATE_FILE_MODE); } finally { closeSync(fd); }
}

/** Writes a file 0600 through a temporary file and a rename: a reader never sees half of it. */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeFileSync(fd, data);
  } finally { closeSync(fd); }
  renameSync(tmp, path);
}

/** The files SQLite creates beside a database (with the database file's mode). */
const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'];

/** Prepares a database file: its folder 0700, the file 0600 (created empty if missing), companions tightened. */
export function privateDatabase(file: string, log?: Logger): void {
  privateDir(dirname(resolve(file)), log);
  privateFile(file, log);
  for (const s of SQLITE_COMPANIONS) tighten(file + s, PRIVATE_FILE_MODE, log);
}

/**
 * At start: creates `dir` 0700 if missing, or tightens it; then tightens Vigil's own entries in
 * it (`own`: file names, and folders whose whole content is Vigil's), left by an earlier
 * version or another umask. Nothing else in `dir` is touched; a shared folder is refused.
 * Symlinks are not followed.
 */
export function privateHome(dir: string, own: readonly string[], log?: Logger): void {
  privateDir(dir, log);
  for (const name of own) {
    const p = join(dir, name);
    let st;
    try { st = lstatSync(p); } catch { continue; }
    if (st.isDirectory()) tightenTree(p, log);
    else if (st.isFile()) tighten(p, PRIVATE_FILE_MODE, log);
  }
}

function tightenTree(dir: string, log?: Logger): void {
  tighten(dir, PRIVATE_DIR_MODE, log);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tightenTree(p, log);
    else if (e.isFile()) tighten(p, PRIVATE_FILE_MODE, log);
  }
}

/** A database file and the companions SQLite makes beside it: the names privateHome tightens. */
export function databaseFiles(name: string): string[] {
  return [name, ...SQLITE_COMPANIONS.map((s) => name + s)];
}
