/**
 * Runs a helper command (journalctl) so that it ends when the agent ends, even by SIGKILL:
 * the command runs under a small `sh` whose stdin is a pipe from the agent; when that pipe
 * closes (agent stopped or killed, the kernel closes it) a watcher in the shell kills the
 * command. No polling. Also finds executables on PATH.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

// $1.. = command and args. fd 3 keeps the agent's pipe for the watcher, whose `read`
// returns at EOF (the agent is gone) and kills the command; the shell exits with it.
const WATCHDOG = `exec 3<&0
"$@" 3<&- </dev/null &
c=$!
{ read -r _ <&3; kill -TERM "$c" 2>/dev/null; } &
w=$!
exec 3<&-
wait "$c"
s=$?
kill "$w" 2>/dev/null
exit "$s"`;

/** Absolute path of an executable (a path is checked as-is), or undefined. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : pathEnv.split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try { accessSync(c, constants.X_OK); return c; } catch { /* next */ }
  }
  return undefined;
}

/** Spawns `cmd args` under the watchdog; the child's stdin must stay open while it runs. */
export function spawnWatched(cmd: string, args: string[]): ChildProcess {
  return spawn('/bin/sh', ['-c', WATCHDOG, 'vigil-watchdog', cmd, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Ends a watched child: closing its stdin makes the watchdog kill the command. */
export function stopWatched(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.stdin?.end();
  });
}
