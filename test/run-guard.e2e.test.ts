// The suite's global setup (test/global-setup.ts) run for real on a one-test fixture: a run that
// leaves a child process running fails and names it, and the child is stopped; a clean run
// passes; a process left by an earlier run that was killed hard is stopped at the next start;
// a process that only claims to be a test engine never makes the sweep delete its folder; and
// (root) the SSH lab's users and sudoers drop-in a dead run registered are removed, nothing else.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, MARK, runDir } from './helpers/run-guard.js';
import { cleanup, ROOT, tempDir } from './helpers/procs.js';
import { IS_ROOT, SshLab } from './helpers/ssh-lab.js';

const dir = tempDir('vigil-run-guard-');
const pidFile = join(dir, 'pid');
const VITEST = join(ROOT, 'node_modules/.bin/vitest');
const CONFIG = join(ROOT, 'test/fixtures/run-guard/vitest.config.ts');
const started: number[] = [];

function runFixture(env: Record<string, string>) {
  const r = spawnSync(VITEST, ['run', '--config', CONFIG], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PID_FILE: pidFile, ...env } });
  started.push(Number(readFileSync(pidFile, 'utf8')));
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('global teardown: tests stop what they start', () => {
  afterAll(() => {
    for (const p of started) if (alive(p)) process.kill(p, 'SIGKILL');
    cleanup(dir);
  });

  it('fails a run that leaves a process running, names it and stops it', () => {
    const r = runFixture({ LEAK: '1' });
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('the suite left running what it started');
    expect(r.out).toMatch(/pid \d+ sleep 300/);
    expect(alive(started.at(-1)!)).toBe(false);
  });

  it('passes a run that stops what it starts', () => {
    const r = runFixture({ LEAK: '0' });
    expect(r.out).not.toContain('left running');
    expect(r.status).toBe(0);
  });

  it('stops at start what an earlier run, killed hard, left running', () => {
    const dead = `dead-${process.pid}`;
    mkdirSync(runDir(dead), { recursive: true });
    writeFileSync(join(runDir(dead), 'owner'), '999999999 0\n'); // a runner that no longer exists
    const orphan = spawn('sleep', ['301'], { detached: true, stdio: 'ignore', env: { ...process.env, [MARK]: dead } });
    orphan.unref();
    started.push(orphan.pid!);
    const r = runFixture({ LEAK: '0' });
    expect(r.status).toBe(0);
    expect(r.out).toContain(`cleaned what earlier test runs left (runs ${dead}`);
    expect(r.out).toMatch(/pid \d+ sleep 301/);
    expect(alive(orphan.pid!)).toBe(false);
  });

  it('never stops or deletes a folder a process merely names as its engine', () => {
    const dead = `fake-${process.pid}`;
    mkdirSync(runDir(dead), { recursive: true });
    writeFileSync(join(runDir(dead), 'owner'), '999999999 0\n');
    const victim = join(dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep'), 'x');
    writeFileSync(join(runDir(dead), 'engines'), victim + '\n');   // a listing that names it
    const fake = join(dir, 'dockerd');                               // comm "dockerd", --pidfile VICTIM/pid
    writeFileSync(fake, '#!/bin/sh\nsleep 302\n:\n');
    chmodSync(fake, 0o755);
    const p = spawn(fake, ['--pidfile', join(victim, 'pid')], { detached: true, stdio: 'ignore', env: { ...process.env, [MARK]: dead } });
    p.unref();
    started.push(p.pid!);
    const r = runFixture({ LEAK: '0' });
    expect(r.status).toBe(0);
    expect(r.out).toContain('not a test engine folder of ours, left alone');
    expect(existsSync(join(victim, 'keep'))).toBe(true);
  });

  it.skipIf(!IS_ROOT)('removes the SSH lab users and sudoers drop-in a dead run registered, and only those', () => {
    const dead = `lab-${process.pid}`;
    mkdirSync(runDir(dead), { recursive: true });
    writeFileSync(join(runDir(dead), 'owner'), '999999999 0\n');
    const lab = new SshLab();
    const run = process.env[MARK];
    process.env[MARK] = dead; // the lab registers into the run it belongs to: here the dead one
    let user = '';
    try {
      user = lab.addUser('sweep').name;
      lab.allowSudo(user);
    } finally { process.env[MARK] = run; }
    const sudoers = `/etc/sudoers.d/vigil-ssh-lab-${lab.id}`;
    appendFileSync(join(runDir(dead), 'ssh-lab'), 'user root\nsudoers /etc/sudoers\n'); // not the lab's shapes
    try {
      expect(spawnSync('id', ['-u', user]).status).toBe(0);
      expect(existsSync(sudoers)).toBe(true);
      const r = runFixture({ LEAK: '0' });
      expect(r.status).toBe(0);
      expect(r.out).toContain(`ssh lab user ${user}`);
      expect(r.out).toContain(`ssh lab sudoers ${sudoers}`);
      expect(r.out).toContain('user root: not a name of the lab\'s, left alone');
      expect(spawnSync('id', ['-u', user]).status).not.toBe(0);
      expect(existsSync(sudoers)).toBe(false);
      expect(existsSync('/etc/sudoers')).toBe(true);
      expect(spawnSync('id', ['-u', 'root']).status).toBe(0);
    } finally {
      if (spawnSync('id', ['-u', user]).status === 0) spawnSync('userdel', [user]);
      rmSync(sudoers, { force: true });
      rmSync(lab.dir, { recursive: true, force: true });
    }
  });
});
