/**
 * The SSH lab's sandbox: a private rsyslogd writing a Debian-style auth.log, a private mount
 * and network namespace in which /dev/log is that rsyslogd's socket (the machine's /dev/log,
 * its network and its services stay untouched), throwaway local users, and `spawn`/`run`
 * of commands inside the namespace. `close()` stops and removes everything it made.
 * See test/fixtures/README.md ("openssh-real") for why a namespace and how /dev/log is handled.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, waitFor } from './procs.js';

export const IS_ROOT = process.getuid?.() === 0;
const TOOLS = join(ROOT, 'scripts/ssh-tools.sh');
/** A host without /dev/log gets this regular file while the lab runs (see `devLogPlaceholder`). */
const PLACEHOLDER = 'vigil ssh lab: placeholder for a private bind mount; safe to delete\n';

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
  private rsyslog?: ChildProcess;
  private holder?: ChildProcess;
  private children: ChildProcess[] = [];
  private users: string[] = [];
  private placeholder = false;
  private madeRunSshd = false;
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

    this.devLogPlaceholder();
    if (!existsSync('/run/sshd')) { execFileSync('mkdir', ['-m', '0755', '/run/sshd']); this.madeRunSshd = true; }
    const routes = SELF_SOURCED.map((a) => `ip route add local ${a} dev lo src ${a} table local`).join(' && ');
    const script = `set -e; ip link set lo up; ${routes}; mount --bind "$0" /dev/log; echo ready; exec cat`;
    this.holder = spawn('unshare', ['--mount', '--net', '--propagation', 'private', 'sh', '-c', script, this.sock], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', herr = '';
    this.holder.stdout!.on('data', (d) => { out += d; });
    this.holder.stderr!.on('data', (d) => { herr += d; });
    await waitFor(() => out.includes('ready') || this.holder!.exitCode !== null, 10_000, () => 'namespace holder');
    if (!out.includes('ready')) throw new Error(`namespace setup failed: ${herr}`);
  }

  /** sshd, su and sudo log to /dev/log; the bind mount inside the namespace needs a file to
   * cover. A host /dev/log (someone else's) is only covered inside the namespace, never
   * touched; a host without one gets an inert regular file for the lab's lifetime (syslog()
   * callers outside fail to connect to it exactly as they failed on the missing path). */
  private devLogPlaceholder(): void {
    let st;
    try { st = lstatSync('/dev/log'); } catch { st = null; }
    if (st && !(st.isFile() && readFileSync('/dev/log', 'utf8') === PLACEHOLDER)) return;
    if (!st) writeFileSync('/dev/log', PLACEHOLDER, { mode: 0o444 });
    this.placeholder = true; // ours (a crashed earlier run's one is reused, then removed)
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
      child.stdin!.end(opts.input ?? '');
    });
  }

  /** A throwaway local user with a known password (removed by close()). */
  addUser(name: string, password: string): LabUser {
    spawnSync('userdel', [name]); // a crashed earlier run's leftover
    execFileSync('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', name]);
    this.users.push(name);
    execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
    return { name, password, uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()) };
  }

  /** Lets a lab user run sudo (a drop-in under /etc/sudoers.d, removed by close()), so that
   * wrong passwords end in sudo's own "N incorrect password attempts" line. */
  allowSudo(user: string): void {
    const f = '/etc/sudoers.d/vigil-ssh-lab';
    writeFileSync(f, `${user} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
    this.sudoers = f;
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
    if (this.placeholder && existsSync('/dev/log') && statSync('/dev/log').isFile()) unlinkSync('/dev/log');
    if (this.madeRunSshd) rmSync('/run/sshd', { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function killGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  try { process.kill(-c.pid, sig); } catch { try { c.kill(sig); } catch { /* gone */ } }
}

function exited(c: ChildProcess, ms: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => { const t = setTimeout(r, ms); c.once('exit', () => { clearTimeout(t); r(); }); });
}
