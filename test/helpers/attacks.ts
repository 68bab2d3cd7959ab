/**
 * Real clients against the lab's servers, each with its ground truth: what the client itself
 * did (password tries counted by the client: the askpass program counts its calls, hydra
 * prints each try, sudo prints each prompt, su's prompt is read off its pty), per source
 * address and user, and which alerts that must raise. One distinct loopback source per scenario.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KBDINT_SOURCE, MAX_AUTH_TRIES } from './sshd.js';
import type { LabUser, SshLab } from './ssh-lab.js';

export interface Tally { failures: number; successes: number }
export interface Truth {
  scenario: string;
  /** source address, or `local` for su and sudo */
  source: string;
  server: 'sshd' | 'dropbear' | 'sudo' | 'su';
  /** per user name: failed attempts and successful logins the client made */
  users: Record<string, Tally>;
  /** alerts this source must raise: rule id -> count */
  alerts: Record<string, number>;
  /** what else the client did that is no attempt */
  note?: string;
}

export interface Targets { lab: SshLab; sshd: number; dropbear: number; alice: LabUser; bob: LabUser; dave: LabUser }

/** OpenSSH's client with passwords (or keyboard-interactive answers: ssh asks askpass for
 * each prompt alike) from an askpass program that counts its calls. */
async function sshPasswords(t: Targets, o: { source: string; user: string; password: string; prompts: number; port?: number; dest?: string; tag: string; method?: 'password' | 'keyboard-interactive' }): Promise<number> {
  const tries = join(t.lab.dir, `tries-${o.tag}`);
  writeFileSync(tries, '');
  const r = await t.lab.run(['ssh', ...clientOpts(o.port ?? t.sshd, o.source), '-o', `PreferredAuthentications=${o.method ?? 'password'}`, '-o', 'PubkeyAuthentication=no',
    '-o', `NumberOfPasswordPrompts=${o.prompts}`, `${o.user}@${o.dest ?? '127.0.0.1'}`, 'true'], {
    env: { SSH_ASKPASS: askpass(t.lab), SSH_ASKPASS_REQUIRE: 'force', VIGIL_TRIES: tries, VIGIL_PW: o.password },
  });
  const n = readFileSync(tries, 'utf8').length;
  if (n === 0) throw new Error(`ssh ${o.tag} made no password try: ${r.stderr}`);
  return n;
}

function clientOpts(port: number, source: string): string[] {
  return ['-F', '/dev/null', '-p', String(port), '-o', `BindAddress=${source}`, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=20'];
}

/** The lab's askpass program, written once (clients run in parallel: rewriting it while
 * another client runs it would hand that client an empty script). */
function askpass(lab: SshLab): string {
  const p = join(lab.dir, 'askpass.sh');
  if (existsSync(p)) return p;
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, '#!/bin/sh\nprintf x >>"$VIGIL_TRIES"\nprintf \'%s\\n\' "$VIGIL_PW"\n');
  chmodSync(tmp, 0o755);
  renameSync(tmp, p);
  return p;
}

function tally(users: Record<string, Partial<Tally>>): Record<string, Tally> {
  return Object.fromEntries(Object.entries(users).map(([u, v]) => [u, { failures: v.failures ?? 0, successes: v.successes ?? 0 }]));
}

async function hydra(t: Targets, o: { dest: string; user: string; passwords: string[]; args: string[]; tag: string }): Promise<number> {
  const list = join(t.lab.dir, `words-${o.tag}`);
  writeFileSync(list, o.passwords.join('\n') + '\n');
  const r = await t.lab.run(['hydra', '-I', '-V', '-l', o.user, '-P', list, ...o.args, '-s', String(t.sshd), `ssh://${o.dest}`], { timeoutMs: 150_000, cwd: t.lab.dir });
  const tries = (r.stdout.match(/^\[ATTEMPT\] /gm) ?? []).length;
  if (!/0 valid password/.test(r.stdout) || tries !== o.passwords.length) throw new Error(`hydra ${o.tag}: ${tries} tries\n${r.stdout}\n${r.stderr}`);
  return tries;
}

const HYDRA_PROBE = 'hydra first opens one connection that only asks which methods the server takes (a `none` request, no password: no pam_unix line on its pid); it ends in "Received disconnect ... Bye Bye" and "Disconnected from authenticating user": 0 attempts';
const WRONG = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `wrong-${tag}-${i}`);

/** Every scenario, in parallel groups that do not share a source; returns the truth. */
export async function runScenarios(t: Targets, opts: { slowGapSeconds: number }): Promise<Truth[]> {
  const { alice, bob, dave } = t;
  const truth: Truth[] = [];
  const add = (x: Truth) => { truth.push(x); return x; };
  const slow = (async () => {
    // below the fast rule's rate (at most 4 attempts in any minute), 5 within 15 minutes
    const n = await hydra(t, { dest: '127.0.0.22', user: alice.name, passwords: WRONG(5, 'slow'), args: ['-t', '1', '-c', String(opts.slowGapSeconds)], tag: 'slow' });
    add({ scenario: 'hydra slow (-t 1 -c gap)', source: '127.0.0.22', server: 'sshd', users: tally({ [alice.name]: { failures: n } }), alerts: { 'ssh-brute-force-slow': n }, note: HYDRA_PROBE });
  })();
  const rest = [
    (async () => {
      let n = 0;
      for (let i = 0; i < 2; i++) n += await sshPasswords(t, { source: '127.0.0.11', user: alice.name, password: 'not-her-password', prompts: 3, tag: `wrong-${i}` });
      add({ scenario: 'wrong passwords for a real user (2 connections x 3 prompts)', source: '127.0.0.11', server: 'sshd', users: tally({ [alice.name]: { failures: n } }), alerts: { 'ssh-brute-force': n } });
    })(),
    (async () => {
      // in parallel: one after another, 5 connections can take longer than the rule's minute under load
      const names = ['admin', 'oracle', 'test', 'ubuntu', 'postgres'];
      const tries = await Promise.all(names.map((u) => sshPasswords(t, { source: '127.0.0.12', user: u, password: 'admin', prompts: 1, tag: `invalid-${u}` })));
      const users: Record<string, Partial<Tally>> = Object.fromEntries(names.map((u, i) => [u, { failures: tries[i] }]));
      const sum = Object.values(users).reduce((a, v) => a + (v.failures ?? 0), 0);
      add({ scenario: 'invalid users, one try each', source: '127.0.0.12', server: 'sshd', users: tally(users), alerts: { 'ssh-brute-force': sum, 'ssh-user-enumeration': 5 } });
    })(),
    (async () => {
      const n = await sshPasswords(t, { source: '127.0.0.13', user: 'root', password: 'toor', prompts: 2, tag: 'root' });
      add({ scenario: 'root with PermitRootLogin no', source: '127.0.0.13', server: 'sshd', users: tally({ root: { failures: n } }), alerts: {} });
    })(),
    (async () => {
      const n = await sshPasswords(t, { source: '127.0.0.14', user: bob.name, password: bob.password, prompts: 2, tag: 'deny' });
      add({ scenario: 'DenyUsers user (right password)', source: '127.0.0.14', server: 'sshd', users: tally({ [bob.name]: { failures: n } }), alerts: {} });
    })(),
    (async () => {
      const n = await sshPasswords(t, { source: '127.0.0.15', user: dave.name, password: dave.password, prompts: 2, tag: 'allow' });
      add({ scenario: 'user not in AllowUsers (right password)', source: '127.0.0.15', server: 'sshd', users: tally({ [dave.name]: { failures: n } }), alerts: {} });
    })(),
    (async () => {
      const n = await sshPasswords(t, { source: '127.0.0.16', user: alice.name, password: 'guess', prompts: MAX_AUTH_TRIES + 2, tag: 'maxtries' });
      if (n !== MAX_AUTH_TRIES) throw new Error(`MaxAuthTries: client made ${n} tries, expected the server to stop it at ${MAX_AUTH_TRIES}`);
      add({ scenario: `MaxAuthTries (${MAX_AUTH_TRIES}) exhausted`, source: '127.0.0.16', server: 'sshd', users: tally({ [alice.name]: { failures: n } }), alerts: { 'ssh-brute-force': n } });
    })(),
    (async () => {
      const key = join(t.lab.dir, 'stranger_key');
      await t.lab.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key]);
      const r = await t.lab.run(['ssh', ...clientOpts(t.sshd, '127.0.0.17'), '-o', 'PreferredAuthentications=publickey', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', key, `${alice.name}@127.0.0.1`, 'true']);
      if (!/Permission denied \(publickey/.test(r.stderr)) throw new Error(`publickey client: ${r.stderr}`);
      add({ scenario: 'publickey not authorized (one key offered)', source: '127.0.0.17', server: 'sshd', users: tally({ [alice.name]: { failures: 1 } }), alerts: {} });
    })(),
    (async () => {
      const r = await t.lab.run(['ssh', ...clientOpts(t.sshd, '127.0.0.18'), '-o', 'KexAlgorithms=diffie-hellman-group14-sha256', `${alice.name}@127.0.0.1`, 'true']);
      if (!/no matching key exchange method/.test(r.stderr)) throw new Error(`kex client: ${r.stderr}`);
      add({ scenario: 'key exchange refused', source: '127.0.0.18', server: 'sshd', users: {}, alerts: {} });
    })(),
    (async () => {
      const py = `import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.19',0))\ns.connect(('127.0.0.1',${t.sshd}))\ns.recv(256)\ns.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\ntry:\n    while s.recv(4096): pass\nexcept ConnectionResetError: pass\n`;
      const r = await t.lab.run(['/usr/bin/python3', '-c', py]);
      if (r.code !== 0) throw new Error(`garbage client: ${r.stderr}`);
      add({ scenario: 'garbage instead of an SSH banner', source: '127.0.0.19', server: 'sshd', users: {}, alerts: {} });
    })(),
    (async () => {
      const n = await sshPasswords(t, { source: '127.0.0.20', user: alice.name, password: 'almost', prompts: 5, tag: 'before-success' });
      const ok = await t.lab.run(['sshpass', '-p', alice.password, 'ssh', ...clientOpts(t.sshd, '127.0.0.20'), '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no',
        '-o', 'NumberOfPasswordPrompts=1', `${alice.name}@127.0.0.1`, 'true']);
      if (/Permission denied/.test(ok.stderr) || ok.code === 5) throw new Error(`login after failures was refused: ${ok.stderr}`);
      add({ scenario: 'successful login after 5 failures', source: '127.0.0.20', server: 'sshd', users: tally({ [alice.name]: { failures: n, successes: 1 } }), alerts: { 'ssh-brute-force': n, 'ssh-success-after-failures': n } });
    })(),
    (async () => {
      const n = await sshPasswords(t, { source: KBDINT_SOURCE, user: alice.name, password: 'kbd-wrong', prompts: 3, method: 'keyboard-interactive', tag: 'kbdint' });
      if (n !== 3) throw new Error(`keyboard-interactive: the client answered ${n} prompts, expected 3`);
      add({ scenario: 'keyboard-interactive (PAM) with 3 wrong passwords', source: KBDINT_SOURCE, server: 'sshd', users: tally({ [alice.name]: { failures: n } }), alerts: {},
        note: "sshd's PAM code runs in a child process: the pam_unix line of each try has the child's pid" });
    })(),
    (async () => {
      const n = await hydra(t, { dest: '127.0.0.21', user: alice.name, passwords: WRONG(8, 'fast'), args: ['-t', '4'], tag: 'fast' });
      add({ scenario: 'hydra fast (-t 4)', source: '127.0.0.21', server: 'sshd', users: tally({ [alice.name]: { failures: n } }), alerts: { 'ssh-brute-force': n }, note: HYDRA_PROBE });
    })(),
    (async () => {
      const n = await sshPasswords(t, { source: '127.0.0.23', user: alice.name, password: 'nope', prompts: 3, port: t.dropbear, tag: 'dropbear-pw' });
      add({ scenario: 'dropbear: wrong passwords (3 prompts)', source: '127.0.0.23', server: 'dropbear', users: tally({ [alice.name]: { failures: n } }), alerts: {} });
    })(),
    (async () => {
      let n = 0;
      for (const u of ['guest', 'pi']) n += await sshPasswords(t, { source: '127.0.0.24', user: u, password: 'raspberry', prompts: 1, port: t.dropbear, tag: `dropbear-${u}` });
      // dropbear (since 2013) logs `Login attempt for nonexistent user` without the name: per source only
      add({ scenario: 'dropbear: nonexistent users (guest, pi)', source: '127.0.0.24', server: 'dropbear', users: tally({ '(none)': { failures: n } }), alerts: {}, note: 'dropbear names no user for a nonexistent one: the attempts are filed under (none)' });
    })(),
    (async () => {
      const as = ['setpriv', `--reuid=${alice.uid}`, `--regid=${alice.uid}`, '--init-groups', '--'];
      const r = await t.lab.run([...as, 'sudo', '-S', '-k', '-p', 'vigil-sudo-prompt:', '/usr/bin/true'], { input: 'bad1\nbad2\nbad3\n' });
      const n = (r.stderr.match(/vigil-sudo-prompt:/g) ?? []).length;
      if (n !== 3 || r.code === 0) throw new Error(`sudo: ${n} prompts, exit ${r.code}: ${r.stderr}`);
      add({ scenario: 'sudo -S with 3 wrong passwords', source: 'local', server: 'sudo', users: tally({ [alice.name]: { failures: n } }), alerts: { 'sudo-incorrect-password': n } });
    })(),
  ];
  rest.push((async () => {
    await Promise.allSettled(rest.slice()); // su after sudo: the local user's events stay apart
    const n = await su(t, alice, bob.name);
    add({ scenario: 'su to another user with a wrong password', source: 'local', server: 'su', users: tally({ [alice.name]: { failures: n } }), alerts: {} });
  })(), slow);
  const failed = (await Promise.allSettled(rest)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new Error(failed.map((f) => String(f.reason?.stack ?? f.reason)).join('\n\n'));
  return truth.sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }) || a.server.localeCompare(b.server));
}

/** su reads its password from a terminal: a pty, the prompt read, a wrong password typed. */
async function su(t: Targets, from: LabUser, to: string): Promise<number> {
  const py = [
    'import os, pty, sys',
    'pid, fd = pty.fork()',
    'if pid == 0:',
    `    os.setgroups([]); os.setgid(${from.uid}); os.setuid(${from.uid})`,
    `    os.execv('/usr/bin/su', ['su', '-c', 'true', '${to}'])`,
    'buf, prompts = b"", 0',
    'while True:',
    '    try: d = os.read(fd, 1024)',
    '    except OSError: break',
    '    if not d: break',
    '    buf += d',
    '    if buf.count(b"Password:") > prompts:',
    '        prompts += 1; os.write(fd, b"definitely-wrong\\n")',
    '_, st = os.waitpid(pid, 0)',
    'print(prompts, os.waitstatus_to_exitcode(st))',
  ].join('\n');
  const r = await t.lab.run(['/usr/bin/python3', '-c', py]);
  const [prompts, code] = r.stdout.trim().split(' ').map(Number);
  if (prompts !== 1 || code === 0) throw new Error(`su: ${r.stdout} ${r.stderr}`);
  return prompts;
}
