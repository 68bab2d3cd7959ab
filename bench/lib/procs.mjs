// Process helpers for benchmarks: start ./vigil subcommands, read a process's CPU time and
// RSS from /proc, wait for a condition, find a free port. Linux only (uses /proc).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const VIGIL = join(ROOT, 'vigil');
const TICKS = 100; // USER_HZ on Linux

/** Runs a ./vigil subcommand (of another tree's `bin` for paired runs) and returns its stdout. */
export function vigilSync(args, bin = VIGIL) {
  return execFileSync(bin, args, { encoding: 'utf8' }).trim();
}

export function start(args, env = {}, bin = VIGIL) {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VIGIL_LOG: 'warn', ...env } });
  let err = '';
  child.stderr.on('data', (d) => { err += d; if (err.length > 100_000) err = err.slice(-50_000); });
  child.stderrText = () => err;
  return child;
}

export async function stop(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
}

/** CPU seconds (user + system) consumed so far by pid. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond, timeoutMs, what = 'condition', everyMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const fmt = (n) => Math.round(n).toLocaleString('en-US');
