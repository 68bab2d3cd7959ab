// File modes under umask 022, with real processes: everything Vigil writes under the
// collector's data dir (vigil.db, -wal, -shm, reports) and the agent's state dir (outbox.db
// and its WAL) is 0600, every folder 0700; wider modes left by an earlier run are tightened
// at start, with a log line.
import { appendFileSync, chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Collector, cleanup, startAgent, tempDir, VIGIL, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';

const started: Array<Proc | Collector> = [];
const dirs: string[] = [];
let umask: number;

beforeAll(() => { umask = process.umask(0o022); });   // children inherit it
afterAll(async () => {
  for (const p of started.splice(0)) await ('proc' in p ? p.proc?.stop('SIGKILL') : p.stop('SIGKILL'));
  cleanup(...dirs.splice(0));
  process.umask(umask);
});

/** Every path under root with its mode, e.g. ['data/vigil.db', '600']. */
function modes(root: string, dir = root): Array<[string, string]> {
  const out: Array<[string, string]> = [[dir.slice(root.length) || '/', (statSync(dir).mode & 0o777).toString(8)]];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...modes(root, p));
    else out.push([p.slice(root.length), (statSync(p).mode & 0o777).toString(8)]);
  }
  return out;
}

describe('file modes', () => {
  it('creates and tightens every dir 0700 and file 0600 whatever the umask', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const data = join(dir, 'data');
    const state = join(dir, 'state');
    const collector = await Collector.create(data);   // the token CLI creates the data dir and db
    chmodSync(data, 0o755);                            // as left by an earlier version
    chmodSync(join(data, 'vigil.db'), 0o644);
    started.push(collector);
    await collector.start();
    expect(collector.proc.stderr()).toContain('tightened the permissions');
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const config = writeAgentConfig(dir, `files:\n  - path: ${log}\n    type: auth\n`);
    const agent = startAgent({ collector, name: 'web-1', token: collector.agentToken('web-1'), state, config });
    started.push(agent);
    appendFileSync(log, 'Nov 27 10:00:00 web-1 sshd[1]: Failed password for root from 203.0.113.7 port 22 ssh2\n');
    await waitFor(async () => (await collector.count()) >= 1, 20_000, () => agent.stderr());
    collector.agentToken('web-2');                      // a token created while the collector runs
    await collector.get('/api/reports/daily?date=2020-01-02');   // stored: its period has ended

    const all = [...modes(data).map(([p, m]) => ['data' + p, m]), ...modes(state).map(([p, m]) => ['state' + p, m])];
    expect(all.map(([p]) => p)).toEqual(expect.arrayContaining(['data/vigil.db', 'data/vigil.db-wal', 'data/vigil.db-shm', 'data/reports/2020-01-02.md', 'data/reports/2020-01-02.json', 'state/outbox.db', 'state/outbox.db-wal']));
    const wrong = all.filter(([p, m]) => m !== (statSync(join(dir, p)).isDirectory() ? '700' : '600'));
    expect(wrong).toEqual([]);
  });

  it('never tightens what is not its own, and refuses a shared folder (like /tmp) with exit 2 naming the flag', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o755 });
    const other = join(data, 'notes.txt');             // someone else's file beside the store
    writeFileSync(other, 'x', { mode: 0o644 });
    const collector = await Collector.create(data);
    started.push(collector);
    await collector.start();
    expect((statSync(data).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(other).mode & 0o777).toString(8)).toBe('644');

    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    writeFileSync(join(shared, 'a-user-file'), 'x', { mode: 0o644 });
    for (const args of [
      ['token', 'create', '--data', shared, '--agent', 'x'],
      ['collector', '--listen', '127.0.0.1:1', '--data', shared],
      ['agent', '--collector', 'ws://127.0.0.1:1', '--token', 't', '--state', shared],
    ]) {
      const r = spawnSync(VIGIL, args, { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--(data|state): .*shared/);
    }
    expect((statSync(shared).mode & 0o7777).toString(8)).toBe('1777');
    expect((statSync(join(shared, 'a-user-file')).mode & 0o777).toString(8)).toBe('644');
  });
});
