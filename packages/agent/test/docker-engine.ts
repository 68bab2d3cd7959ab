/**
 * Test helper around scripts/docker-engine.sh: a private dockerd per test file (its own
 * roots and socket in a temp dir), the docker CLI pointed at it, and a restart that keeps
 * containers (SIGTERM dockerd, start it again). Only root can run it; callers skip loudly.
 * Each engine lists its dir with the test run (test/helpers/run-guard.ts), so the global
 * teardown stops it even when a test file could not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { registerEngine } from '../../../test/helpers/run-guard.js';

export const SCRIPT = resolve(import.meta.dirname, '../../../scripts/docker-engine.sh');
export const ENGINE_PREFIX = '/tmp/vd-';
export const IS_ROOT = process.getuid?.() === 0;
const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export class DockerEngine {
  readonly dir = mkdtempSync(ENGINE_PREFIX); // short: unix socket paths are limited to 108 bytes
  socket = '';

  constructor() { registerEngine(this.dir); }

  start(): string {
    this.socket = execFileSync('bash', [SCRIPT, 'start', this.dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 }).trim();
    return this.socket;
  }

  docker(...args: string[]): string {
    return execFileSync(DOCKER, ['-H', `unix://${this.socket}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
  }

  /** dockerd's pid (the engine's own, from its pid file). */
  pid(): number { return Number(readFileSync(join(this.dir, 'pid'), 'utf8').trim()); }

  /** Stops dockerd with SIGTERM and waits for it to exit; containers are kept on disk. */
  async kill(): Promise<void> {
    const pid = this.pid();
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300; i++) {
      try { process.kill(pid, 0); } catch { return; }
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(pid, 'SIGKILL');
  }

  stop(): void { stopEngine(this.dir); }
}

/**
 * True for a folder this helper makes (ENGINE_PREFIX + mkdtemp's 6 characters), real (not a
 * link) and ours: the only folders stopEngine will stop and delete, whatever a listing or a
 * process's command line claims (another local user can write both).
 */
export function isEngineDir(dir: string): boolean {
  if (!new RegExp(`^${ENGINE_PREFIX}[A-Za-z0-9]{6}$`).test(dir)) return false;
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.();
  } catch { return false; }
}

/** Stops the engine in dir (containers removed, whatever dockerd it runs now) and deletes dir. */
export function stopEngine(dir: string): void {
  if (!isEngineDir(dir)) throw new Error(`not a test engine folder of ours: ${JSON.stringify(dir)}`);
  execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'inherit', timeout: 120_000 });
  rmSync(dir, { recursive: true, force: true });
}

export function skipNotice(what: string): void {
  if (!IS_ROOT) console.warn(`\n!!!!!!!! SKIPPED ${what}: needs root to install and run a private Docker engine !!!!!!!!\n`);
}
