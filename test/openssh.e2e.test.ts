// A real attacker against a real server: Debian's sshd and dropbear in a private namespace log
// through a private rsyslogd to an auth.log a real agent tails into a real collector (loopback
// allowlist off); real clients and hydra attack from distinct loopback sources. Asserts each
// source's and user's attempts and logins, every auth event's source and user, and the alerts
// with their counts against what the clients did, as tables. Root only (installs the tools).
// VIGIL_SSH_CAPTURE=1 also writes the log and the truth to test/fixtures/openssh-real/.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, ROOT, cleanup, freePort, startAgent, tempDir, waitFor, type Proc } from './helpers/procs.js';
import { IS_ROOT, SshLab, sshToolsReady } from './helpers/ssh-lab.js';
import { startDropbear, startSshd, type SshServer } from './helpers/sshd.js';
import { runScenarios, type Targets, type Truth } from './helpers/attacks.js';
import { alertRows, authRows, eventProblems, table } from './helpers/ssh-truth.js';

if (!IS_ROOT) console.warn('\n!!!!!!!! SKIPPED real OpenSSH tests: need root for users, namespaces and installing openssh-server, rsyslog, hydra !!!!!!!!\n');
const TOOLS = IS_ROOT && sshToolsReady();
const CAPTURE = join(ROOT, 'test/fixtures/openssh-real');
const SLOW_GAP_S = 17; // hydra -c: 5 attempts >= 64 s apart end to end, so never 5 in one minute

describe.skipIf(!IS_ROOT)('real OpenSSH and dropbear under attack, end to end', () => {
  let lab: SshLab; // made in beforeAll: a skipped describe still runs its body, never afterAll
  let dir = '';
  let collector: Collector;
  let agent: Proc;
  let sshd: SshServer;
  let dropbear: SshServer;
  let users: Pick<Targets, 'alice' | 'bob' | 'dave'>;
  let truth: Truth[] = [];
  let events: any[] = [];

  beforeAll(async () => {
    if (!TOOLS) throw new Error('scripts/ssh-tools.sh could not install openssh-server, rsyslog, hydra, sshpass, dropbear-bin, sudo');
    lab = new SshLab();
    dir = tempDir('vigil-openssh-e2e-');
    await lab.start();
    const config = join(dir, 'collector.yaml');
    writeFileSync(config, 'rules:\n  allowlist: { addresses: [] }\n'); // the default allowlist is loopback
    collector = await Collector.create(join(dir, 'data'));
    await collector.start(['--config', config]);
    writeFileSync(join(dir, 'agent.yaml'), `files:\n  - path: ${lab.authLog}\n    type: auth\n`);
    agent = startAgent({ collector, name: 'lab', token: collector.agentToken('lab'), state: join(dir, 'state'), config: join(dir, 'agent.yaml') });
    // dropbear checks the shell against /etc/shells before the password: only alice needs one
    users = { alice: lab.addUser('alice', { shell: '/bin/sh' }), bob: lab.addUser('bob'), dave: lab.addUser('dave') };
    lab.allowSudo(users.alice.name);
    sshd = await startSshd(lab, await freePort(), { allowUsers: [users.alice.name, users.bob.name, 'root'], denyUsers: [users.bob.name] });
    dropbear = await startDropbear(lab, await freePort());
  }, 300_000);
  afterAll(async () => {
    await agent?.stop();
    await collector?.proc?.stop();
    await lab?.close();
    if (dir) cleanup(dir);
  }, 60_000);

  it('runs every scenario against the real servers; the agent ships every line', async () => {
    const t: Targets = { lab, sshd: sshd.port, dropbear: dropbear.port, ...users };
    truth = await runScenarios(t, { slowGapSeconds: SLOW_GAP_S });
    // every line rsyslogd wrote is stored (the last sessions' lines may still be coming)
    let lines = 0;
    await waitFor(async () => {
      const now = readFileSync(lab.authLog, 'utf8').split('\n').filter(Boolean).length;
      const stored = await collector.count('?agent=lab');
      const settled = now === lines && stored === now;
      lines = now;
      return settled;
    }, 30_000, () => `stored ${lines} lines? agent: ${agent.stderr().slice(-1000)}`);
    events = await collector.allEvents('agent=lab');
    if (process.env.VIGIL_SSH_CAPTURE) {
      mkdirSync(CAPTURE, { recursive: true });
      copyFileSync(lab.authLog, join(CAPTURE, 'debian12-openssh9.2-auth.log'));
      writeFileSync(join(CAPTURE, 'debian12-openssh9.2-auth.truth.json'), JSON.stringify({ servers: { sshd: sshd.version, dropbear: dropbear.version }, scenarios: truth }, null, 2) + '\n');
    }
    expect(truth.length).toBeGreaterThanOrEqual(15);
    expect(events.length).toBe(lines);
  }, 240_000);

  const ran = () => expect(truth.length, 'the scenarios did not run').toBeGreaterThan(0);

  it('every authentication event names a source and a user its client really used', () => {
    ran();
    const bad = eventProblems(events, truth);
    expect(bad.length === 0 ? '' : table(['line', 'problem'], bad.map((b) => [b.line, b.problem]))).toBe('');
  });

  it('failed attempts and logins per source and user equal what the clients did, exactly', () => {
    ran();
    const rows = authRows(events, truth).filter((r) => r.expected !== r.got);
    expect(rows.length === 0 ? '' : table(['source', 'server', 'user', 'expected', 'got', 'lines behind got'], rows.map((r) => [r.source, r.server, r.user, r.expected, r.got, r.lines]))).toBe('');
  });

  it('raises ssh-brute-force, -slow, user-enumeration, success-after-failures (and sudo) for the right sources, counts equal to the attempts', async () => {
    ran();
    let rows: ReturnType<typeof alertRows> = [];
    // rules run on event time with a watermark (rules.lateness, rules.idle): wait for the state
    await waitFor(async () => {
      rows = alertRows((await collector.get('/api/alerts?limit=1000')).alerts, truth).filter((r) => r.expected !== r.got);
      return rows.length === 0;
    }, 20_000).catch(() => undefined);
    expect(rows.length === 0 ? '' : table(['source', 'rule', 'expected', 'got'], rows.map((r) => [r.source, r.rule, r.expected, r.got]))).toBe('');
  }, 30_000);
});
