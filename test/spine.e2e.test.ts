// The spine, end to end with real processes, files and sockets: every line written to a
// tailed log is stored exactly once, across collector and agent SIGKILLs, rotations and
// outages. Each line carries a unique marker, so loss and duplication are both visible.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, copyFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Collector, cleanup, startAgent, tempDir, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';
import { expectExactlyOnce, markers } from './helpers/markers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/loghub/OpenSSH_2k.log');
const started: Array<Proc | Collector> = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const p of started.splice(0)) await ('proc' in p ? p.proc?.stop('SIGKILL') : p.stop('SIGKILL'));
  cleanup(...dirs.splice(0));
});

async function setup(extraConfig = '') {
  const dir = tempDir();
  dirs.push(dir);
  const collector = await Collector.create(join(dir, 'data'));
  started.push(collector);
  await collector.start();
  const log = join(dir, 'app.log');
  writeFileSync(log, '');
  const config = writeAgentConfig(dir, `files:\n  - path: ${log}\n    type: auth\n${extraConfig}`);
  const token = collector.agentToken('web-1');
  const agent = () => { const a = startAgent({ collector, name: 'web-1', token, state: join(dir, 'state'), config }); started.push(a); return a; };
  return { dir, collector, log, agent };
}

/** Appends `n` marked lines, `perTick` at a time, every `everyMs`. */
function writer(file: string, n: number, perTick: number, everyMs: number, prefix = 'm') {
  let i = 0;
  const done = new Promise<void>((resolve) => {
    const t = setInterval(() => {
      let chunk = '';
      for (let k = 0; k < perTick && i < n; k++, i++) chunk += `Nov 27 10:00:00 web-1 app[1]: ${prefix}-${i} payload\n`;
      appendFileSync(file, chunk);
      if (i >= n) { clearInterval(t); resolve(); }
    }, everyMs);
  });
  return { done, written: () => i };
}

describe('spine end to end', () => {
  it('stores each of the 2000 OpenSSH lines once, with its byte offset', async () => {
    const { collector, log, agent } = await setup();
    agent();
    const text = readFileSync(FIXTURE, 'utf8') + '\n'; // the fixture has no final newline
    appendFileSync(log, text);
    await waitFor(async () => (await collector.count()) >= 2000, 20_000, () => 'count < 2000');
    await new Promise((r) => setTimeout(r, 500));
    const events = await collector.allEvents('agent=web-1');
    expect(events).toHaveLength(2000);
    const lines = text.split('\n').slice(0, 2000);
    const offsets = new Set<number>();
    let at = 0;
    for (const l of lines) { offsets.add(at); at += Buffer.byteLength(l) + 1; }
    const byOffset = new Map(events.map((e) => [e['log.offset'] ?? e.log?.offset, e]));
    expect(byOffset.size).toBe(2000);
    for (const o of offsets) expect(byOffset.has(o)).toBe(true);
  });

  it('loses and repeats nothing when the collector, then the agent, are SIGKILLed under a steady writer', async () => {
    const { collector, log, agent } = await setup();
    let a = agent();
    const N = 30_000;
    const w = writer(log, N, 300, 10);
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 700));
      await collector.proc.stop('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      await collector.start();
    }
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 700));
      await a.stop('SIGKILL');
      a = agent();
    }
    await w.done;
    await waitFor(async () => (await collector.count()) >= N, 60_000, () => `stored ${N} lines`);
    await new Promise((r) => setTimeout(r, 1000));
    expectExactlyOnce(markers(await collector.allEvents()), N);
    expect(await collector.count()).toBe(N);
  });

  it('three agents sending at once, a backlog and a collector SIGKILL: every line of each stored once', async () => {
    const { dir, collector } = await setup();
    const N = 40_000;
    const agents = ['web-1', 'web-2', 'web-3'].map((name) => {
      const log = join(dir, `${name}.log`);
      // A backlog written before the agent starts, then a live writer: the collector is busy.
      let backlog = '';
      for (let i = 0; i < N / 2; i++) backlog += `Nov 27 10:00:00 ${name} sshd[7]: Failed password for u${i % 50} from 10.${i % 200}.0.1 port 22 ssh2 ${name}-${i} payload\n`;
      writeFileSync(log, backlog);
      mkdirSync(join(dir, name));
      const config = writeAgentConfig(join(dir, name), `files:\n  - path: ${log}\n    type: auth\n`);
      const a = startAgent({ collector, name, token: collector.agentToken(name), state: join(dir, name, 'state'), config });
      started.push(a);
      return { name, log };
    });
    const writers = agents.map(({ name, log }) => {
      let i = N / 2;
      return new Promise<void>((resolve) => {
        const t = setInterval(() => {
          let chunk = '';
          for (let k = 0; k < 500 && i < N; k++, i++) chunk += `Nov 27 10:00:01 ${name} sshd[7]: Failed password for u${i % 50} from 10.${i % 200}.0.1 port 22 ssh2 ${name}-${i} payload\n`;
          appendFileSync(log, chunk);
          if (i >= N) { clearInterval(t); resolve(); }
        }, 20);
      });
    });
    await new Promise((r) => setTimeout(r, 1500));
    await collector.proc.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await collector.start();
    await Promise.all(writers);
    await waitFor(async () => (await collector.count()) >= 3 * N, 90_000, () => `stored ${3 * N} lines`);
    await new Promise((r) => setTimeout(r, 1000));
    for (const { name } of agents) expectExactlyOnce(markers(await collector.allEvents(`agent=${name}`), name), N);
    expect(await collector.count()).toBe(3 * N);
    // The detection ran on all of it: brute-force alerts exist for the hammered addresses.
    const alerts = await collector.get<{ alerts: Array<{ rule: { id: string } } | Record<string, unknown>> }>('/api/alerts?limit=500');
    expect(alerts.alerts.length).toBeGreaterThan(0);
  });

  it('delivers everything in order per file after an outage', async () => {
    const { collector, log, agent } = await setup();
    agent();
    const w1 = writer(log, 2000, 200, 5);
    await w1.done;
    await waitFor(async () => (await collector.count()) >= 2000, 20_000);
    await collector.proc.stop('SIGTERM');
    const w2 = writer(log, 5000, 500, 5, 'o');
    await w2.done;
    await new Promise((r) => setTimeout(r, 1500));
    await collector.start();
    await waitFor(async () => (await collector.count()) >= 7000, 30_000);
    const events = (await collector.allEvents()).reverse(); // oldest first
    const offs = events.map((e) => e['log.offset'] ?? e.log?.offset);
    for (let i = 1; i < offs.length; i++) expect(offs[i]).toBeGreaterThan(offs[i - 1]);
    expectExactlyOnce(markers(events, 'o'), 5000);
  });

  it('bounds the outbox during an outage and counts and reports every drop', async () => {
    const { collector, log, agent } = await setup('outbox: { max_bytes: 1MiB }\n');
    agent();
    await waitFor(async () => (await collector.get('/api/agents')).agents.some((a: any) => a.status === 'online'), 15_000);
    await collector.proc.stop('SIGTERM');
    const N = 60_000;
    const w = writer(log, N, 2000, 5, 'b');
    await w.done;
    await new Promise((r) => setTimeout(r, 2000));
    await collector.start();
    let stored = 0;
    let dropped = 0;
    await waitFor(async () => {
      stored = markers(await collector.allEvents(), 'b').size;
      const losses = await collector.allEvents('kind=loss');
      dropped = losses.filter((e) => e['event.action'] === 'data-loss').reduce((n, e) => n + Number(e['vigil.loss.dropped_events'] ?? 0), 0);
      return stored > 0 && stored + dropped >= N;
    }, 30_000, () => `stored ${stored} + dropped ${dropped} != ${N}`);
    expect(dropped).toBeGreaterThan(0);
    expect(stored + dropped).toBe(N);
    const seen = markers(await collector.allEvents(), 'b');
    for (const c of seen.values()) expect(c).toBe(1);
  });

  it('survives rename+create and copytruncate rotations under a writer', async () => {
    const { collector, log, agent } = await setup();
    const a = agent();
    // rotate only once the agent watches the file (a rotation before its first scan is the
    // file source tests' business: file-restart.test.ts)
    await waitFor(() => a.stderr().includes('"msg":"watching file"'), 20_000, () => `agent never watched ${log}: ${a.stderr()}`);
    const N = 20_000;
    let i = 0;
    const write = (n: number) => { let s = ''; for (let k = 0; k < n; k++, i++) s += `Nov 27 10:00:00 web-1 app[1]: r-${i} payload\n`; appendFileSync(log, s); };
    for (let round = 0; round < 20; round++) {
      write(N / 20 / 2);
      await new Promise((r) => setTimeout(r, 25));
      if (round === 6) { renameSync(log, log + '.1'); writeFileSync(log, ''); }
      if (round === 13) { copyFileSync(log, log + '-20261127'); truncateSync(log, 0); }
      write(N / 20 / 2);
      await new Promise((r) => setTimeout(r, 25));
    }
    await waitFor(async () => (await collector.count()) >= N, 30_000, () => 'rotated lines stored');
    await new Promise((r) => setTimeout(r, 1000));
    expectExactlyOnce(markers(await collector.allEvents(), 'r'), N);
  });
});
