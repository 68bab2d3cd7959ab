// The docker source against a real, private Docker engine (scripts/docker-engine.sh):
// crash-looping, OOM-killed, unhealthy and steady containers, a dockerd restart mid-run,
// and a missing socket. Events go to an in-memory SourceContext. Root only (skips loudly).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type ContainerEvent, type ContainerState, type Event, type Logger } from '@vigil/proto';
import type { Source, SourceContext } from '../src/sources/source.js';
import { createDockerSource } from '../src/sources/docker/index.js';
import { createHostMetricsSource } from '../src/sources/host/index.js';
import { parseBlkioV1, parseIoStatV2 } from '../src/sources/docker/cgroup.js';
import { eventFromDocker } from '../src/sources/docker/inspect.js';
import { UsageReader } from '../src/sources/docker/usage.js';
import { EventStream } from '../src/sources/docker/stream.js';
import Docker from 'dockerode';
import { DockerEngine, IS_ROOT, skipNotice } from './docker-engine.js';
import { within } from '../../../test/helpers/procs.js';

function memoryContext(log: Logger = createLogger('silent')) {
  const events: Event[] = [];
  const ac = new AbortController();
  const ctx: SourceContext = {
    emit: (evs) => { events.push(...evs); }, checkpoint: () => undefined, checkpoints: () => [],
    room: async () => {}, log, signal: ac.signal,
  };
  return { ctx, events, ac };
}

const waitFor = async (cond: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

skipNotice('docker source tests');
const engine = new DockerEngine();
let source: Source;
const { ctx, events } = memoryContext();
const states = (name: string) => events.map((e) => e.containerState).filter((s): s is ContainerState => s?.name === name);
const latest = (name: string) => states(name).at(-1);
const lifecycle = (name: string) => events.map((e) => e.containerEvent).filter((e): e is ContainerEvent => e?.name === name);
const RUN = ['run', '-d', '--network', 'none'];

describe.skipIf(!IS_ROOT)('docker source on a real engine', () => {
  beforeAll(async () => {
    engine.start();
    source = createDockerSource({ socket: engine.socket, interval: 1000 });
    await source.start(ctx);
  }, 900_000);
  afterAll(async () => {
    try { await within(source?.stop(), 20_000, 'docker source stop'); } finally { engine.stop(); }
  }, 180_000);

  it('reports a crash loop (restart_count >= 3 within 20 s), an OOM kill, an unhealthy and a steady container', async () => {
    engine.docker(...RUN, '--name', 'steady', 'vigil-busybox', 'sleep', '600');
    engine.docker(...RUN, '--name', 'sick', '--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1', 'vigil-busybox', 'sleep', '600');
    engine.docker(...RUN, '--name', 'hog', '-m', '8m', 'vigil-busybox', 'sh', '-c', 'sleep 3; a=xxxxxxxxxxxxxxxx; while true; do a=$a$a; sleep 0.2; done');
    const loopStart = Date.now();
    engine.docker(...RUN, '--name', 'crashy', '--restart', 'always', 'vigil-busybox', 'sh', '-c', 'sleep 0.3; exit 3');

    await waitFor(() => (latest('crashy')?.restartCount ?? 0) >= 3, 20_000, 'crashy restart_count >= 3');
    expect(Date.now() - loopStart).toBeLessThan(20_000);
    const dies = lifecycle('crashy').filter((e) => e.action === 'die');
    expect(dies.length).toBeGreaterThanOrEqual(3);
    expect(dies.every((e) => e.exitCode === 3)).toBe(true);
    await waitFor(() => lifecycle('crashy').filter((e) => e.action === 'start').length >= 3, 10_000, 'three start events');

    await waitFor(() => latest('hog')?.oomKilled === true, 20_000, 'hog oom_killed');
    expect(latest('hog')).toMatchObject({ state: 'exited', exitCode: 137, oomKilled: true, image: 'vigil-busybox' });
    // the state can come from a reconcile before the event stream delivers the event: wait for both
    await waitFor(() => lifecycle('hog').some((e) => e.action === 'oom'), 10_000, 'hog oom event');

    await waitFor(() => latest('sick')?.health === 'unhealthy', 20_000, 'sick unhealthy');
    await waitFor(() => lifecycle('sick').some((e) => e.action === 'health_status' && e.health === 'unhealthy'), 10_000, 'sick health_status event');

    const steadyId = latest('steady')!.id;
    const usage = () => events.flatMap((e) => e.metrics?.samples ?? []).filter((s) => s.labels?.['container.id'] === steadyId);
    await waitFor(() => usage().some((s) => s.name === 'container.cpu.pct'), 10_000, 'steady usage samples');
    expect(latest('steady')).toMatchObject({ state: 'running', health: 'none', restartCount: 0 });
    expect(usage().find((s) => s.name === 'container.memory.usage')!.value).toBeGreaterThan(0);

    // where cgroup files are not readable (pid 0 here), one one-shot stats call gives the same figures
    const reader = new UsageReader(new Docker({ socketPath: engine.socket }));
    const first = await reader.read(steadyId, 0);
    const second = await reader.read(steadyId, 0);
    expect(first).toMatchObject({ via: 'stats' });
    expect(first!.memUsage).toBeGreaterThan(0);
    expect(second!.cpuPct).toBeGreaterThanOrEqual(0);
  });

  it('reconnects after dockerd restarts and sees the events after it', async () => {
    await engine.kill();
    const before = events.length;
    engine.start();
    engine.docker(...RUN, '--name', 'after-restart', 'vigil-busybox', 'sleep', '600');
    await waitFor(() => lifecycle('after-restart').some((e) => e.action === 'start'), 30_000, 'start event after the restart');
    await waitFor(() => latest('after-restart')?.state === 'running', 15_000, 'state after the restart');
    expect(events.length).toBeGreaterThan(before);
    engine.docker('rm', '-f', 'after-restart');
    await waitFor(() => lifecycle('after-restart').some((e) => e.action === 'destroy'), 15_000, 'destroy event');
    await waitFor(() => latest('after-restart')?.removed === true, 15_000, 'removed state');
  });

  // After a dockerd restart the source's reconcile tick can reopen the stream while the
  // reconnect's own reconcile still runs: the stream was destroyed before it was read, and on
  // main its reader waited forever (no events any more, and stop() never returned).
  it('keeps streaming when the stream is reopened before it is read', async () => {
    const docker = new Docker({ socketPath: engine.socket });
    const actions: string[] = [];
    let connects = 0;
    const stream: EventStream = new EventStream(docker, engine.socket, {
      onConnected: async () => { if (++connects === 1) { stream.reconnect(); await docker.listContainers(); } },
      onEvent: (e) => { if (e.Actor?.Attributes?.name === 'reopened') actions.push(e.Action ?? ''); },
      onDisconnected: () => {}, onUnavailable: () => {},
    });
    const loop = stream.run();
    try {
      await waitFor(() => connects >= 2, 15_000, 'the stream opened again');
      engine.docker(...RUN, '--name', 'reopened', 'vigil-busybox', 'true');
      await waitFor(() => actions.includes('start'), 15_000, 'start event after the reopen');
    } finally {
      stream.stop();
      await within(loop, 10_000, 'event stream stop');
    }
  });
});

describe('docker source without a socket', () => {
  it('warns once and leaves other sources running', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...createLogger('silent'), warn: (m) => { warnings.push(m); }, child: () => log };
    const { ctx: c, events: evs } = memoryContext(log);
    const docker = createDockerSource({ socket: '/nonexistent/docker.sock', interval: 1000 });
    const host = createHostMetricsSource({ interval: 200 });
    await docker.start(c);
    await host.start(c);
    await new Promise((r) => setTimeout(r, 2500)); // several reconnect attempts
    await docker.stop();
    await host.stop();
    expect(warnings.filter((w) => w.includes('docker'))).toHaveLength(1);
    expect(evs.filter((e) => e.metrics).length).toBeGreaterThanOrEqual(3);
  });
});

describe('docker parsers', () => {
  it('reads cgroup v1 blkio and v2 io.stat byte counters', () => {
    expect(parseBlkioV1('8:0 Read 4096\n8:0 Write 512\n8:0 Sync 9\n8:16 Read 4\nTotal 4612\n')).toEqual({ read: 4100, write: 512 });
    expect(parseIoStatV2('8:0 rbytes=100 wbytes=20 rios=1 wios=1\n8:16 rbytes=1 wbytes=2\n')).toEqual({ read: 101, write: 22 });
  });

  it('maps event-stream messages, keeping the health and the exit code, dropping noise', () => {
    const base = { Type: 'container', timeNano: 1_700_000_000_000_000_000, Actor: { ID: 'c1', Attributes: { name: 'api', image: 'img', exitCode: '3', 'com.docker.compose.service': 'web', secret_label: 'x' } } };
    expect(eventFromDocker({ ...base, Action: 'die' })).toMatchObject({ id: 'c1', name: 'api', action: 'die', exitCode: 3, attributes: { 'com.docker.compose.service': 'web' } });
    expect(eventFromDocker({ ...base, Action: 'health_status: unhealthy' })).toMatchObject({ action: 'health_status', health: 'unhealthy' });
    expect(eventFromDocker({ ...base, Action: 'exec_start: sh' })).toBeUndefined();
    expect(eventFromDocker({ ...base, Type: 'network', Action: 'connect' })).toBeUndefined();
  });
});
