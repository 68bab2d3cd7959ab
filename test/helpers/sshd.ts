/**
 * Real SSH servers inside an SshLab: Debian's OpenSSH sshd with its own config and host key
 * (Debian's defaults where they matter: UsePAM yes, SyslogFacility AUTH, LogLevel INFO,
 * KbdInteractiveAuthentication no, but yes for KBDINT_SOURCE) plus the scenarios' rules; dropbear.
 * Both log through syslog (no -e / -E), so their lines reach the lab's auth.log.
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './procs.js';
import { SELF_SOURCED, type SshLab } from './ssh-lab.js';

export const MAX_AUTH_TRIES = 6; // OpenSSH's default, written out so the scenarios can rely on it
/** The one source whose clients may use keyboard-interactive (PAM), by a Match block. */
export const KBDINT_SOURCE = '127.0.0.25';

export interface SshServer { port: number; proc: ChildProcess; version: string }

/** The sshd config: listens on 127.0.0.1 and the self-sourced addresses hydra targets. */
export function sshdConfig(dir: string, port: number, opts: { allowUsers: string[]; denyUsers: string[] }): string {
  return [
    ...['127.0.0.1', ...SELF_SOURCED].map((a) => `ListenAddress ${a}:${port}`),
    `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'SyslogFacility AUTH',
    'LogLevel INFO',
    'UsePAM yes',
    'KbdInteractiveAuthentication no',
    'PasswordAuthentication yes',
    'PubkeyAuthentication yes',
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // the lab's files live under /tmp (mode 1777), which StrictModes refuses for any key file
    // ("Authentication refused: bad ownership or modes for directory /tmp"): off, so the
    // publickey scenario is a key that is simply not authorised
    'StrictModes no',
    'PermitRootLogin no',
    `MaxAuthTries ${MAX_AUTH_TRIES}`,
    'MaxStartups 100:30:200', // parallel scenarios must not hit the unauthenticated-connection limit
    'PerSourcePenalties no', // (ignored before 9.8) no penalty box: every client's attempts reach the log
    `AllowUsers ${opts.allowUsers.join(' ')}`,
    `DenyUsers ${opts.denyUsers.join(' ')}`,
    'KexAlgorithms -diffie-hellman-group14-sha256', // a kex the client can ask for and be refused
    'UseDNS no',
    'PrintMotd no',
    `Match Address ${KBDINT_SOURCE}`, // last: a Match block runs to the end of the file
    '  KbdInteractiveAuthentication yes',
    '',
  ].join('\n');
}

/** `sshd -V` / `dropbear -V` print their version on stderr. */
export function versionOf(bin: string): string {
  const r = spawnSync(bin, ['-V'], { encoding: 'utf8' });
  return (r.stderr || r.stdout).trim().split('\n')[0];
}

export async function startSshd(lab: SshLab, port: number, opts: { allowUsers: string[]; denyUsers: string[] }): Promise<SshServer> {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(lab.dir, 'ssh_host_ed25519_key')]);
  writeFileSync(join(lab.dir, 'authorized_keys'), '');
  const conf = join(lab.dir, 'sshd_config');
  const version = versionOf('/usr/sbin/sshd');
  let text = sshdConfig(lab.dir, port, opts);
  if (!/OpenSSH_(9\.[89]|[1-9]\d)/.test(version)) text = text.replace(/^PerSourcePenalties.*\n/m, '');
  writeFileSync(conf, text);
  execFileSync('/usr/sbin/sshd', ['-t', '-f', conf]); // a config error fails here, loudly
  const pidFile = join(lab.dir, 'sshd.pid');
  const proc = lab.spawn(['/usr/sbin/sshd', '-D', '-f', conf]);
  await listening(proc, pidFile, 'sshd');
  return { port, proc, version };
}

export async function startDropbear(lab: SshLab, port: number): Promise<SshServer> {
  const key = join(lab.dir, 'dropbear_ed25519_host_key');
  execFileSync('dropbearkey', ['-t', 'ed25519', '-f', key], { stdio: 'ignore' });
  const pidFile = join(lab.dir, 'dropbear.pid');
  const proc = lab.spawn(['/usr/sbin/dropbear', '-F', '-r', key, '-p', `127.0.0.1:${port}`, '-P', pidFile]);
  await listening(proc, pidFile, 'dropbear');
  return { port, proc, version: versionOf('/usr/sbin/dropbear') };
}

/** Both servers write their pid file once they listen: wait for it (probing the port would
 * put a connection of its own into the log). */
async function listening(proc: ChildProcess, pidFile: string, what: string): Promise<void> {
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  await waitFor(() => existsSync(pidFile) || proc.exitCode !== null, 15_000, () => `${what} wrote no pid file: ${err}`);
  if (proc.exitCode !== null) throw new Error(`${what} exited ${proc.exitCode}: ${err}`);
}
