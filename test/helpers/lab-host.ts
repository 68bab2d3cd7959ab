/**
 * The two host paths every SSH lab needs and concurrent labs share: /run/sshd (sshd's privsep
 * dir) and a /dev/log placeholder to bind-mount over. Reference-counted under a flock: each
 * live lab holds a file naming its process (pid and start time); the last one out removes
 * what a lab created, and a holder whose process is gone (killed hard) no longer counts.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startTime } from './run-guard.js';

const STATE = '/run/vigil-ssh-lab';
const HOLDERS = join(STATE, 'holders');
const MADE = join(STATE, 'made');
const LOCK = '/run/vigil-ssh-lab.lock';
/** A host without /dev/log gets this regular file while labs run. */
export const PLACEHOLDER = 'vigil ssh lab: placeholder for a private bind mount; safe to delete\n';

/** Runs `fn` holding the flock; the lock dies with this process (flock's stdin closes). */
async function locked<T>(fn: () => T): Promise<T> {
  const f = spawn('flock', ['-x', LOCK, 'sh', '-c', 'echo locked; read x'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    f.stdout!.on('data', (d) => { if (String(d).includes('locked')) resolve(); });
    f.once('exit', (code) => reject(new Error(`flock ${LOCK} exited ${code}`)));
  });
  try { return fn(); } finally {
    const gone = new Promise((r) => f.once('exit', r));
    f.stdin!.end('\n');
    await gone;
  }
}

const self = () => `${process.pid}-${startTime(process.pid)}`;
const made = (): Set<string> => new Set((existsSync(MADE) ? readFileSync(MADE, 'utf8') : '').split('\n').filter(Boolean));
const isPlaceholder = () => { try { return lstatSync('/dev/log').isFile() && readFileSync('/dev/log', 'utf8') === PLACEHOLDER; } catch { return false; } };

/** Holders whose process still runs (the others are dropped). */
function liveHolders(): string[] {
  mkdirSync(HOLDERS, { recursive: true, mode: 0o700 });
  return readdirSync(HOLDERS).filter((h) => {
    const [pid, start] = h.split('-');
    const ok = alive(Number(pid)) && startTime(Number(pid)) === start;
    if (!ok) rmSync(join(HOLDERS, h), { force: true });
    return ok;
  });
}

/** Makes /run/sshd and the /dev/log placeholder where missing (recording which it made), then holds them. */
export function acquireHostPaths(): Promise<void> {
  return locked(() => {
    liveHolders();
    const m = made();
    if (!existsSync('/run/sshd')) { mkdirSync('/run/sshd', { mode: 0o755 }); m.add('run-sshd'); }
    let devLog = true;
    try { lstatSync('/dev/log'); } catch { devLog = false; }
    // a host /dev/log (someone else's) is only covered inside the namespace, never touched
    if (!devLog) { writeFileSync('/dev/log', PLACEHOLDER, { mode: 0o444 }); m.add('dev-log'); } else if (isPlaceholder()) m.add('dev-log');
    writeFileSync(MADE, [...m].join('\n') + '\n');
    writeFileSync(join(HOLDERS, self()), '');
  });
}

/** Drops this process's hold; the last live holder removes what labs made. */
export function releaseHostPaths(): Promise<void> {
  return locked(() => {
    rmSync(join(HOLDERS, self()), { force: true });
    if (liveHolders().length) return;
    const m = made();
    if (m.has('dev-log') && isPlaceholder()) unlinkSync('/dev/log');
    if (m.has('run-sshd')) { try { rmdirSync('/run/sshd'); } catch { /* not empty: someone else's now */ } }
    rmSync(MADE, { force: true });
  });
}
