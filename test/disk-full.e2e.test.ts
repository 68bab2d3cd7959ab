// A full state disk, for real (root only: a small tmpfs holds the agent's state dir): the
// agent stays up while its disk is full, also across a SIGKILL and a restart on the still
// full disk, reports the stall once it can write again, and once space frees every line
// written meanwhile reaches the collector exactly once, with the outbox's WAL bounded. And the
// collector on a full data disk: it keeps serving reads, refuses batches it cannot store
// (store_error; the agent keeps them), and stores every line once when space frees.
import { appendFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IS_ROOT } from '../packages/agent/test/docker-engine.js';
import { mountTmpfs, type SmallDisk } from '../packages/agent/test/tmpfs.js';
import { WAL_LIMIT_BYTES } from '../packages/agent/src/outbox/db.js';
import { expectExactlyOnce, markers, writeMarked } from './helpers/markers.js';
import { Collector, cleanup, startAgent, tempDir, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';

const started: Array<Proc | Collector> = [];
const dirs: string[] = [];
const disks: SmallDisk[] = [];

afterAll(async () => {
  for (const p of started.splice(0)) await ('proc' in p ? p.proc?.stop('SIGKILL') : p.stop('SIGKILL'));
  for (const d of disks.splice(0)) d.unmount();
  cleanup(...dirs.splice(0));
});

const write = (file: string, from: number, n: number) => writeMarked(file, 'd', from, n);

describe.skipIf(!IS_ROOT)('agent on a full state disk', () => {
  it('stays up, pauses, reports, and delivers every line once when space frees', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const disk = mountTmpfs(join(dir, 'small'), '64m');
    disks.push(disk);
    const state = join(disk.dir, 'state');
    const collector = await Collector.create(join(dir, 'data'));
    started.push(collector);
    await collector.start();
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const config = writeAgentConfig(dir, `files:\n  - path: ${log}\n    type: auth\n`);
    const token = collector.agentToken('web-1');
    const agent = () => { const a = startAgent({ collector, name: 'web-1', token, state, config }); started.push(a); return a; };
    const alive = (a: Proc) => a.child.exitCode === null && a.child.signalCode === null;
    const stored = async () => markers(await collector.allEvents('agent=web-1'), 'd');

    const a1 = agent();
    write(log, 0, 500);
    await waitFor(async () => (await stored()).size >= 500, 30_000, () => `first 500 lines not stored: ${a1.stderr()}`);

    disk.fill();
    write(log, 500, 3000);
    await waitFor(() => a1.stderr().includes('state disk full'), 30_000, () => `no disk-full log: ${a1.stderr()}`);
    write(log, 3500, 500);   // read attempts go on failing while the disk stays full
    await waitFor(() => a1.stderr().includes('read again from its checkpoint') || !alive(a1), 30_000, () => a1.stderr());
    expect(alive(a1), a1.stderr()).toBe(true);

    // SIGKILL, then a start on the still full disk: opening and resuming must not need space
    await a1.stop('SIGKILL');
    const a2 = agent();
    await waitFor(() => a2.stderr().includes('connected to the collector') || !alive(a2), 30_000, () => a2.stderr());
    await waitFor(() => a2.stderr().includes('state disk full') || !alive(a2), 30_000, () => a2.stderr());
    expect(alive(a2), a2.stderr()).toBe(true);
    // while the disk stays full, the link is up: heartbeats tell the collector (GET /api/agents)
    type Agents = { agents: Array<{ name: string; disk_full_since: string | null; writes_refused: number }> };
    let seen: Agents['agents'][number] | undefined;
    const full = async () => (seen = (await collector.get<Agents>('/api/agents')).agents.find((x) => x.name === 'web-1'));
    await waitFor(async () => (await full())?.disk_full_since != null, 30_000, () => `agent: ${JSON.stringify(seen)}`);
    expect(seen!.writes_refused).toBeGreaterThan(0);

    disk.free();
    await waitFor(async () => (await stored()).size >= 4000, 60_000, () => `not all lines stored: ${a2.stderr()}`);
    await waitFor(() => a2.stderr().includes('state disk writable again'), 10_000, () => a2.stderr());
    const loss = await collector.get<{ events: any[] }>('/api/events?kind=loss&agent=web-1');
    expect(loss.events.some((e) => String(e['vigil.loss.reason'] ?? e.message).includes('state disk full'))).toBe(true);
    expectExactlyOnce(await stored(), 4000);
    expect(alive(a2), a2.stderr()).toBe(true);
    await waitFor(async () => (await full())?.disk_full_since === null, 30_000, () => `still full: ${JSON.stringify(seen)}`);
    expect(statSync(join(state, 'outbox.db-wal'), { throwIfNoEntry: false })?.size ?? 0).toBeLessThanOrEqual(WAL_LIMIT_BYTES + (4 << 20));
  });

  it('keeps a rotated-away file refused by the full disk and finishes it, partial last line included, once space frees', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const disk = mountTmpfs(join(dir, 'small'), '16m');
    disks.push(disk);
    const collector = await Collector.create(join(dir, 'data'));
    started.push(collector);
    await collector.start();
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const config = writeAgentConfig(dir, `files:\n  - path: ${log}\n    type: auth\n`);
    const a = startAgent({ collector, name: 'web-2', token: collector.agentToken('web-2'), state: join(disk.dir, 'state'), config });
    started.push(a);
    const stored = async () => markers(await collector.allEvents('agent=web-2'), 'd');
    write(log, 0, 200);
    await waitFor(async () => (await stored()).size >= 200, 30_000, () => `first lines not stored: ${a.stderr()}`);

    // full disk, then a rename rotation: app.log.1 holds 3,000 unread lines and a partial last one
    disk.fill();
    write(log, 200, 3000);
    appendFileSync(log, 'Nov 27 10:00:00 web-1 app[1]: d-3200 payload');
    renameSync(log, log + '.1');
    write(log, 3201, 100);
    await waitFor(() => a.stderr().includes('state disk full'), 30_000, () => `no disk-full log: ${a.stderr()}`);
    disk.free();
    let got = 0;
    await waitFor(async () => (got = (await stored()).size) >= 3301, 45_000, () => `stored ${got} of 3301: ${a.stderr().slice(-3000)}`);
    expectExactlyOnce(await stored(), 3301);
  });
});

describe.skipIf(!IS_ROOT)('collector on a full data disk', () => {
  it('keeps serving reads, refuses what it cannot store, and stores every line once when space frees', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const disk = mountTmpfs(join(dir, 'small'), '64m');
    disks.push(disk);
    const collector = await Collector.create(join(disk.dir, 'data'));
    started.push(collector);
    await collector.start();
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const config = writeAgentConfig(dir, `files:\n  - path: ${log}\n    type: auth\n`);
    const agent = startAgent({ collector, name: 'web-1', token: collector.agentToken('web-1'), state: join(dir, 'state'), config });
    started.push(agent);
    const stored = async () => markers(await collector.allEvents('agent=web-1'), 'c');
    const alive = () => collector.proc.child.exitCode === null && collector.proc.child.signalCode === null;

    writeMarked(log, 'c', 0, 500);
    await waitFor(async () => (await stored()).size >= 500, 30_000, () => `first 500 lines not stored: ${collector.proc.stderr()}`);

    disk.fill();
    // the WAL may still hold some room: write until a batch is refused
    let n = 500;
    await waitFor(() => {
      if (n < 200_000) { writeMarked(log, 'c', n, 2000); n += 2000; }
      return collector.proc.stderr().includes('batch commit failed') || !alive();
    }, 60_000, () => `no batch refused: ${collector.proc.stderr().slice(-2000)}`);
    expect(alive(), collector.proc.stderr().slice(-2000)).toBe(true);
    // reads go on: health, a page of events, the agents list
    expect((await fetch(`${collector.url}/api/health`)).status).toBe(200);
    expect((await stored()).size).toBeGreaterThanOrEqual(500);
    expect((await collector.get<{ agents: unknown[] }>('/api/agents')).agents.length).toBe(1);

    disk.free();
    await waitFor(async () => (await stored()).size >= n, 90_000, () => `not all lines stored: ${collector.proc.stderr().slice(-2000)}`);
    expectExactlyOnce(await stored(), n);
    expect(alive()).toBe(true);
  });
});
