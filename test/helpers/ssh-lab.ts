/**
 * The SSH lab's sandbox: a private rsyslogd writing a Debian-style auth.log, a private mount
 * and network namespace in which /dev/log is that rsyslogd's socket (the machine's /dev/log,
 * its network and its services stay untouched), throwaway users (random names and passwords,
 * expiring, registered for the run's sweep: lab-leftovers.ts), `spawn`/`run` in the namespace.
 * `close()` stops and removes what it made. See test/fixtures/README.md ("openssh-real").
 */
import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, waitFor } from './procs.js';
import { acquireHostPaths, releaseHostPaths } from './lab-host.js';
import { registerLabItem } from './lab-leftovers.js';

export const IS_ROOT = process.getuid?.() === 0;
const TOOLS = join(ROOT, 'scripts/ssh-tools.sh');

/** Installs the tools as root where missing (scripts/ssh-tools.sh); false when they are not there. */
export function sshToolsReady(): boolean {
  const cmd = IS_ROOT ? 'install' : 'check';
  return spawnSync('bash', [TOOLS, cmd], { stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
}

/** Loopback addresses the namespace routes with themselves as source, so a client that cannot
 * bind (hydra) connecting to one of them arrives from that address. */
export const SELF_SOURCED = ['127.0.0.21', '127.0.0.22'];

export interface LabUser { name: string; password: string; uid: number }

export class SshLab {
  readonly dir = mkdtempSync('/tmp/vssh-'); // short: unix socket paths are limited to 108 bytes
  readonly authLog = join(this.dir, 'auth.log');
  readonly sock = join(this.dir, 'log.sock');
  /** this lab's user names are `vl-<id>-<role>` (at most 32 characters: roles up to 16) */
  readonly id = randomId();
  private rsyslog?: ChildProcess;
  private holder?: ChildProcess;
  private children: ChildProcess[] = [];
  private users: string[] = [];
  private hostPaths = false;
  private sudoers = '';

  /** rsyslogd first (the bind mount needs its socket), then the namespace. */
  async start(): Promise<void> {
    chmodSync(this.dir, 0o755); // sshd reads authorized_keys as the user (StrictModes: root-owned path)
    const conf = join(this.dir, 'rsyslog.conf');
    writeFileSync(conf, [
      `global(workDirectory="${this.dir}")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${this.sock}" RateLimit.Interval="0")`,
      // Debian 12's /etc/rsyslog.conf: traditional timestamps, auth and authpriv to auth.log
      `auth,authpriv.* action(type="omfile" file="${this.authLog}" template="RSYSLOG_TraditionalFileFormat")`,
      '',
    ].join('\n'));
    writeFileSync(this.authLog, '');
    this.rsyslog = spawn('/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(this.dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    this.rsyslog.stderr!.on('data', (d) => { err += d; });
    await waitFor(() => existsSync(this.sock), 10_000, () => `rsyslogd made no socket: ${err}`);

    await acquireHostPaths(); // /run/sshd and a /dev/log to cover, shared with concurrent labs
    this.hostPaths = true;
    const routes = SELF_SOURCED.map((a) => `ip route add local ${a} dev lo src ${a} table local`).join(' && ');
    const script = `set -e; ip link set lo up; ${routes}; mount --bind "$0" /dev/log; echo ready; exec cat`;
    this.holder = spawn('unshare', ['--mount', '--net', '--propagation', 'private', 'sh', '-c', script, this.sock], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', herr = '';
    this.holder.stdout!.on('data', (d) => { out += d; });
    this.holder.stderr!.on('data', (d) => { herr += d; });
    await waitFor(() => out.includes('ready') || this.holder!.exitCode !== null, 10_000, () => 'namespace holder');
    if (!out.includes('ready')) throw new Error(`namespace setup failed: ${herr}`);
  }

  /** argv of `cmd` run inside the namespace. */
  inside(cmd: string[]): string[] {
    return ['nsenter', '-t', String(this.holder!.pid), '-m', '-n', '--', ...cmd];
  }

  /** Starts a long-running process inside the namespace, in its own process group. */
  spawn(cmd: string[], opts: SpawnOptions = {}): ChildProcess {
    const [c, ...a] = this.inside(cmd);
    const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts });
    this.children.push(child);
    return child;
  }

  /** Runs a command inside the namespace to its end; never throws on a non-zero exit. */
  run(cmd: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = this.spawn(cmd, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env }, cwd: opts.cwd });
      let stdout = '', stderr = '';
      child.stdout!.on('data', (d) => { stdout += d; });
      child.stderr!.on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), opts.timeoutMs ?? 120_000);
      child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
      child.stdin!.on('error', () => { /* the command may exit before reading its input (EPIPE) */ });
      child.stdin!.end(opts.input ?? '');
    });
  }

  /** A throwaway user `vl-<id>-<role>` with a random password, expiring after tomorrow, by
   * default with no login shell (sshd, su and sudo judge the password before any shell runs;
   * dropbear refuses a shell not in /etc/shells first), listed in the run's folder before it
   * exists so that a run killed hard has it swept; close() removes it. */
  addUser(role: string, opts: { shell?: string } = {}): LabUser {
    const name = `vl-${this.id}-${role}`;
    registerLabItem('user', name);
    this.users.push(name);
    const expire = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10); // >= 24 h left
    execFileSync('useradd', ['-M', '-d', '/nonexistent', '-s', opts.shell ?? '/usr/sbin/nologin', '-e', expire, name]);
    const password = randomBytes(18).toString('base64url');
    execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
    return { name, password, uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()) };
  }

  /** Lets a lab user run exactly `/usr/bin/true` as root with sudo (this lab's drop-in under
   * /etc/sudoers.d, registered like the users), so that wrong passwords end in sudo's own
   * "N incorrect password attempts" line. */
  allowSudo(user: string): void {
    const f = `/etc/sudoers.d/vigil-ssh-lab-${this.id}`;
    registerLabItem('sudoers', f);
    this.sudoers = f;
    writeFileSync(f, `${user} ALL=(root) /usr/bin/true\n`, { mode: 0o440 });
  }

  /** Stops every process it started, removes the users, the placeholder and the temp dir. */
  async close(): Promise<void> {
    for (const c of this.children) killGroup(c, 'SIGTERM');
    await Promise.all(this.children.map((c) => exited(c, 5_000)));
    for (const c of this.children) killGroup(c, 'SIGKILL');
    this.holder?.stdin?.end();
    if (this.holder) await exited(this.holder, 5_000);
    this.holder?.kill('SIGKILL');
    if (this.rsyslog) { killGroup(this.rsyslog, 'SIGTERM'); await exited(this.rsyslog, 5_000); killGroup(this.rsyslog, 'SIGKILL'); }
    if (this.sudoers) rmSync(this.sudoers, { force: true });
    for (const u of this.users) spawnSync('userdel', [u]);
    if (this.hostPaths) await releaseHostPaths();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 6 characters of [a-z0-9]: what useradd's default NAME_REGEX takes. */
function randomId(): string {
  return [...randomBytes(6)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

function killGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  try { process.kill(-c.pid, sig); } catch { try { c.kill(sig); } catch { /* gone */ } }
}

function exited(c: ChildProcess, ms: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => { const t = setTimeout(r, ms); c.once('exit', () => { clearTimeout(t); r(); }); });
}
