/**
 * What the SSH lab (ssh-lab.ts) adds to the host outside its temp dir, registered in the run's
 * folder (run-guard.ts runDir) as it is made: throwaway users and the sudoers drop-in. The lab
 * removes them on close; the global teardown and the start-of-run sweep of dead runs call
 * `removeLabLeftovers` for what a run killed hard left (only names of the lab's own shapes).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MARK, runDir } from './run-guard.js';

/** `vl-<6 random>-<role>`: the lab's user names; never a name a person would pick. */
export const LAB_USER = /^vl-[a-z0-9]{6}-[a-z]{1,16}$/;
/** The lab's sudoers drop-in, one per lab. */
export const LAB_SUDOERS = /^\/etc\/sudoers\.d\/vigil-ssh-lab-[a-z0-9]{6}$/;

const file = (run: string) => join(runDir(run), 'ssh-lab');

/** Lists `kind value` in the current run's folder (no run folder: nothing to register into). */
export function registerLabItem(kind: 'user' | 'sudoers', value: string): void {
  const run = process.env[MARK];
  if (run && existsSync(runDir(run))) appendFileSync(file(run), `${kind} ${value}\n`);
}

/** Removes what `run` listed and still exists; returns what it removed and what it could not. */
export function removeLabLeftovers(run: string): { removed: string[]; failed: string[] } {
  let text = '';
  try { text = readFileSync(file(run), 'utf8'); } catch { return { removed: [], failed: [] }; }
  const removed: string[] = [], failed: string[] = [];
  for (const line of new Set(text.split('\n').filter(Boolean))) {
    const [kind, value] = line.split(' ');
    if (kind === 'user' && LAB_USER.test(value)) {
      if (spawnSync('id', ['-u', value]).status !== 0) continue; // already gone
      const r = spawnSync('userdel', [value], { encoding: 'utf8' });
      (r.status === 0 ? removed : failed).push(`user ${value}${r.status === 0 ? '' : `: ${r.stderr.trim()}`}`);
    } else if (kind === 'sudoers' && LAB_SUDOERS.test(value)) {
      if (!existsSync(value)) continue;
      rmSync(value, { force: true });
      removed.push(`sudoers ${value}`);
    } else failed.push(`${line}: not a name of the lab's, left alone`);
  }
  rmSync(file(run), { force: true });
  return { removed, failed };
}
