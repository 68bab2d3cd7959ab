/**
 * The process's open-files limit (RLIMIT_NOFILE), read from /proc/self/limits (Node cannot
 * call getrlimit; the ./vigil launcher raises the soft limit to the hard one before exec).
 * Undefined where /proc is missing. The connection caps stay below it, with a reserve for
 * the database, its WAL, worker threads, rule files and outgoing webhooks.
 */
import { readFileSync } from 'node:fs';

export interface FdLimit { soft: number; hard: number }

/** File descriptors kept for everything that is not a client socket. */
export const FD_RESERVE = 256;

const num = (s: string) => (s === 'unlimited' ? Infinity : Number(s));

export function readFdLimit(file = '/proc/self/limits'): FdLimit | undefined {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return undefined; }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) return undefined;
  const soft = num(m[1]);
  const hard = num(m[2]);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}
