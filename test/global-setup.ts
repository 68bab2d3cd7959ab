/**
 * Vitest global setup: tests stop what they start, and this checks it. Setup first cleans what
 * an earlier run killed hard left behind (its engines and marked processes, see run-guard.ts),
 * (and the SSH lab's users and sudoers file), then claims a run id and marks every child of the
 * suite with it. Teardown stops every engine and process still carrying this run's mark, removes
 * lab leftovers, and fails the suite naming them: a leak is a bug.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ENGINE_PREFIX, isEngineDir, stopEngine } from '../packages/agent/test/docker-engine.js';
import {
  MARK, claimRun, parentOf, engineDirOf, forgetRun, knownRuns, processes, registeredEngines, runLive, startTime, stopPids, tagged, type Proc,
} from './helpers/run-guard.js';
import { removeLabLeftovers } from './helpers/lab-leftovers.js';

const LEGACY_ENGINE_AGE_S = 30 * 60; // an engine without a run mark (started before marks existed) older than this is stale
const SETTLE_MS = 3_000; // a process may still be exiting when the last file ends
const GRACE_MS = 5_000; // SIGTERM to SIGKILL
const POOL_CMD = /\/proc\/cpuinfo/;

const show = (p: Proc) => `  pid ${p.pid} ${p.cmd.slice(0, 200)}`;

/** This process and its ancestors (npm, scripts/test.sh): never ours to stop. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid); pid = parentOf(pid)) out.add(pid);
  return out;
}

function ageSeconds(pid: number): number {
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return uptime - Number(startTime(pid) ?? uptime * 100) / 100; // USER_HZ is 100 on Linux
}

/** Engine dirs whose processes (dockerd, containerd, shims) are still running. */
function runningEngines(dirs: Iterable<string>, procs: Proc[]): string[] {
  return [...dirs].filter((d) => procs.some((p) => p.cmd.includes(d + '/') && /^(dockerd|containerd)/.test(p.comm)));
}

function stopEngines(dirs: Iterable<string>): string[] {
  const failed: string[] = [];
  for (const d of new Set(dirs)) {
    if (!existsSync(d)) continue;
    if (!isEngineDir(d)) { failed.push(`${d}: not a test engine folder of ours, left alone`); continue; }
    try { stopEngine(d); } catch (err) { failed.push(`${d}: ${(err as Error).message}`); }
  }
  return failed;
}

/** Stops what runs that are no longer live left: their engines, then their marked processes. */
async function sweepEarlierRuns(own: string): Promise<void> {
  const procs = processes();
  // a run is dead when its folder names a runner that is gone; a mark without a folder here is
  // another checkout's or version's run (or one that tore down): not ours to judge
  const dead = new Set(knownRuns().filter((r) => r !== own && !runLive(r)));
  const engines = new Set<string>();
  for (const r of dead) for (const d of registeredEngines(r)) engines.add(d);
  for (const p of procs) {
    const dir = engineDirOf(p);
    if (!dir) continue;
    if (p.run ? dead.has(p.run) : dir.startsWith(ENGINE_PREFIX) && ageSeconds(p.pid) > LEGACY_ENGINE_AGE_S) engines.add(dir);
  }
  const live = runningEngines(engines, procs);
  const failed = stopEngines(engines);
  const left = tagged().filter((p) => dead.has(p.run));
  await stopPids(left.map((p) => p.pid), GRACE_MS); // first: userdel refuses a user with processes
  const lab = [...dead].map(removeLabLeftovers);
  const removed = lab.flatMap((l) => l.removed), unremoved = lab.flatMap((l) => l.failed);
  for (const r of dead) forgetRun(r);
  if (live.length || left.length || failed.length || removed.length || unremoved.length) {
    console.warn([`global setup: cleaned what earlier test runs left (runs ${[...dead].join(', ') || 'without a mark'}):`,
      ...live.map((d) => `  engine ${d}`), ...left.map(show), ...removed.map((r) => `  ssh lab ${r}`),
      ...failed.map((f) => `  could not stop ${f}`), ...unremoved.map((f) => `  could not remove ssh lab ${f}`)].join('\n'));
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const run = process.env.VIGIL_TEST_RUN_ID || `${Date.now().toString(36)}-${process.pid}`;
  await sweepEarlierRuns(run);
  claimRun(run);
  process.env[MARK] = run; // inherited by the workers and so by everything the tests spawn

  return async function teardown(): Promise<void> {
    const mine = ancestors();
    // vitest's own workers (our children) may still be closing; what the tests spawned is below them
    // vitest's pool also runs a short shell pipeline of its own (tinypool counts CPUs through
    // /proc/cpuinfo): not a test's process
    const pool = (p: Proc, all: Map<number, Proc>) => POOL_CMD.test(p.cmd) || POOL_CMD.test(all.get(p.ppid)?.cmd ?? '');
    const ours = () => {
      const all = tagged(run);
      const byPid = new Map<number, Proc>(all.map((p) => [p.pid, p]));
      return all.filter((p) => !mine.has(p.pid) && p.ppid !== process.pid && !pool(p, byPid));
    };
    const end = Date.now() + SETTLE_MS;
    while (ours().length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));

    const procs = ours();
    const dirs = new Set([...registeredEngines(run), ...procs.map(engineDirOf).filter((d): d is string => !!d)]);
    const engines = runningEngines(dirs, procs);
    const failed = stopEngines(dirs); // also removes dirs of engines that never started
    const left = ours();
    const killed = await stopPids(left.map((p) => p.pid), GRACE_MS);
    const survivors = ours();
    const lab = removeLabLeftovers(run); // what a lab's close() did not remove (its worker died)
    forgetRun(run);

    const others = procs.filter((p) => !engines.some((d) => p.cmd.includes(d + '/')));
    if (!engines.length && !others.length && !failed.length && !survivors.length && !lab.removed.length && !lab.failed.length) return;
    throw new Error([
      'the suite left running what it started (a test must stop what it starts, also when it fails):',
      ...engines.map((d) => `  docker engine ${d} (stopped at teardown)`),
      ...others.map((p) => `${show(p)}${killed.includes(p.pid) ? ' (needed SIGKILL)' : ' (stopped at teardown)'}`),
      ...failed.map((f) => `  could not stop engine ${f}`),
      ...survivors.map((p) => `${show(p)} (STILL RUNNING after SIGKILL)`),
      ...lab.removed.map((r) => `  ssh lab ${r} (removed at teardown)`),
      ...lab.failed.map((f) => `  could not remove ssh lab ${f}`),
    ].join('\n'));
  };
}
