// The collector on a full data disk, for real (root only: a small tmpfs holds its data dir):
// it stays up, keeps answering reads (health, events, agents), refuses batches it cannot
// store (refusal store_error, counted on /metrics; the agent keeps them in its outbox, nothing
// acked), and once space frees every line written meanwhile is stored exactly once.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IS_ROOT } from '../packages/agent/test/docker-engine.js';
import { mountTmpfs, type SmallDisk } from '../packages/agent/test/tmpfs.js';
import { expectExactlyOnce, markers } from './helpers/markers.js';
import { Collector, cleanup, startAgent, tempDir, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';

const started: Array<Proc | Collector> = [];
const dirs: string[] = [];
let disk: SmallDisk | undefined;

afterAll(async () => {
  for (const p of started.splice(0)) await ('proc' in p ? p.proc?.stop('SIGKILL') : p.stop('SIGKILL'));
  disk?.unmount();
  cleanup(...dirs.splice(0));
});

function write(file: string, from: number, n: number): void {
  let chunk = '';
  for (let i = from; i < from + n; i++) chunk += `Nov 27 10:00:00 web-1 app[1]: c-${i} payload\n`;
  appendFileSync(file, chunk);
}

describe.skipIf(!IS_ROOT)('collector on a full data disk', () => {
  it('keeps serving reads, refuses what it cannot store, and stores every line once when space frees', async () => {
    const dir = tempDir();
    dirs.push(dir);
    disk = mountTmpfs(join(dir, 'small'), '64m');
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

    write(log, 0, 500);
    await waitFor(async () => (await stored()).size >= 500, 30_000, () => `first 500 lines not stored: ${collector.proc.stderr()}`);

    disk.fill();
    // the WAL may still hold some room: write until a batch is refused
    let n = 500;
    await waitFor(() => {
      if (n < 200_000) { write(log, n, 2000); n += 2000; }
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
