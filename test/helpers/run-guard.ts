/**
 * What one test run started, found again at its end. The global setup sets VIGIL_TEST_RUN=<id>
 * in the runner's environment, so every process the suite spawns (collectors, agents, writers,
 * dockerd with its containerd and shims) carries it in /proc/<pid>/environ; each private Docker
 * engine also lists its dir in the run's folder under RUNS, and the folder names the runner's
 * pid and start time, which tells a live run from one that was killed hard.
 */
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MARK = 'VIGIL_TEST_RUN';
const UID = process.getuid?.() ?? 0;
/** The runs' folder: one per user, 0700, checked to be ours (not a link, not another's). */
export const RUNS = `/tmp/vigil-test-runs-${UID}`;

function ownRunsDir(): string {
  mkdirSync(RUNS, { recursive: true, mode: 0o700 });
  const st = lstatSync(RUNS);
  if (!st.isDirectory() || st.uid !== UID || (st.mode & 0o077) !== 0) {
    throw new Error(`${RUNS} is not a private folder of this user (a link, another owner, or open to others): remove it`);
  }
  return RUNS;
}

export interface Proc { pid: number; ppid: number; run?: string; comm: string; cmd: string }
export type Tagged = Proc & { run: string };

const read = (file: string): string | undefined => { try { return readFileSync(file, 'utf8'); } catch { return undefined; } };

/** The fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [19] start time. */
function stat(pid: number): string[] | undefined {
  const s = read(`/proc/${pid}/stat`);
  return s?.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** Start time in clock ticks since boot: a pid plus this names one process. */
export const startTime = (pid: number): string | undefined => stat(pid)?.[19];
export const parentOf = (pid: number): number => Number(stat(pid)?.[1] ?? 0);

/** True while pid runs (a zombie, dead but not yet reaped, is not alive). */
export function alive(pid: number): boolean {
  const state = stat(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** Every live process but this one, with its run mark when it has one (zombies have no environ). */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try { if (statSync(`/proc/${pid}`).uid !== UID) continue; } catch { continue; }   // only our own processes
    const env = read(`/proc/${pid}/environ`);
    if (env === undefined) continue;
    const hit = env.split('\0').find((v) => v.startsWith(`${MARK}=`));
    out.push({ pid, ppid: parentOf(pid), run: hit?.slice(MARK.length + 1), comm: (read(`/proc/${pid}/comm`) ?? '').trim(), cmd: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim() });
  }
  return out;
}

/** Every live process carrying a run mark (any run's, or only `run`'s). */
export function tagged(run?: string): Tagged[] {
  return processes().filter((p): p is Tagged => p.run !== undefined && (run === undefined || p.run === run));
}

/** The engine dir of a dockerd, from its `--pidfile DIR/pid`. */
export function engineDirOf(p: Proc): string | undefined {
  if (p.comm !== 'dockerd') return undefined;
  return /--pidfile[ =](\S+)\/pid(\s|$)/.exec(p.cmd)?.[1];
}

export const runDir = (run: string) => join(RUNS, run);

/** Creates this run's folder and names its owner (the runner process). */
export function claimRun(run: string): string {
  ownRunsDir();
  const dir = runDir(run);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'owner'), `${process.pid} ${startTime(process.pid)}\n`);
  return dir;
}

/** True while the runner that claimed `run` is still the same live process. */
export function runLive(run: string): boolean {
  const [pid, start] = (read(join(runDir(run), 'owner')) ?? '').trim().split(' ');
  return !!pid && alive(Number(pid)) && startTime(Number(pid)) === start;
}

/** Every run folder under RUNS, live or not. */
export function knownRuns(): string[] {
  return existsSync(RUNS) ? readdirSync(ownRunsDir()) : [];
}

/** Called by each private Docker engine: lists its dir in the current run's folder. */
export function registerEngine(dir: string): void {
  const run = process.env[MARK];
  if (run && existsSync(runDir(run))) appendFileSync(join(runDir(run), 'engines'), dir + '\n');
}

export function registeredEngines(run: string): string[] {
  return [...new Set((read(join(runDir(run), 'engines')) ?? '').split('\n').filter(Boolean))];
}

export function forgetRun(run: string): void {
  rmSync(runDir(run), { recursive: true, force: true });
}

/** SIGTERM, up to graceMs for them to exit, then SIGKILL; returns the pids that needed it. */
export async function stopPids(pids: number[], graceMs: number): Promise<number[]> {
  const signal = (p: number, s: NodeJS.Signals) => { try { process.kill(p, s); } catch { /* gone */ } };
  for (const p of pids) signal(p, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  const stubborn = pids.filter(alive);
  for (const p of stubborn) signal(p, 'SIGKILL');
  return stubborn;
}
