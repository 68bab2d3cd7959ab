// Telemetry end to end: a real collector and agent (./vigil) and a private Docker engine.
// The agent samples this host and the engine's containers; the test asserts what the
// collector's API shows: hosts, series, containers (crash loop, OOM kill, unhealthy,
// steady), lifecycle events, ECS fields on stored events, Prometheus gauges, and that a
// dockerd restart mid-run is followed. Root only (skips loudly otherwise).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, cleanup, startAgent, tempDir, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';
import { DockerEngine, IS_ROOT, skipNotice } from '../packages/agent/test/docker-engine.js';

type Container = { id: string; name: string; state: string; health: string; restart_count: number; exit_code: number; oom_killed: boolean; 'memory.usage': number | null; 'cpu.pct': number | null; 'agent.name': string };

skipNotice('docker end-to-end tests');
const RUN = ['run', '-d', '--network', 'none'];

describe.skipIf(!IS_ROOT)('telemetry end to end on a real Docker engine', () => {
  const engine = new DockerEngine();
  const dir = tempDir('vigil-docker-e2e-');
  let collector: Collector;
  let agent: Proc;
  const containers = async () => (await collector.get<{ containers: Container[] }>('/api/containers?agent=node-1')).containers;
  const byName = async (n: string) => (await containers()).find((c) => c.name === n);

  beforeAll(async () => {
    engine.start();
    collector = await Collector.create(join(dir, 'data'));
    await collector.start();
    const config = writeAgentConfig(dir, `metrics:\n  host: { interval: 1s }\n  docker: { socket: ${engine.socket}, interval: 1s }\n`);
    agent = startAgent({ collector, name: 'node-1', token: collector.agentToken('node-1'), state: join(dir, 'state'), config });
  }, 900_000);
  afterAll(async () => {
    try {
      await agent?.stop();
      await collector?.proc?.stop();
    } finally {
      engine.stop(); // by its dir: also the dockerd the restart test started
      cleanup(dir);
    }
  }, 180_000);

  it('shows host metrics: /api/hosts, /api/metrics series and metric events with ECS fields', async () => {
    await waitFor(async () => (await collector.get('/api/hosts')).hosts.length > 0 && (await collector.get('/api/hosts')).hosts[0]['cpu.pct'] !== null,
      20_000, () => `no host metrics; agent: ${agent.stderr().slice(-2000)}`);
    const host = (await collector.get('/api/hosts')).hosts[0];
    expect(host).toMatchObject({ name: 'node-1' });
    expect(typeof host['host.name']).toBe('string');
    expect(host['memory.pct']).toBeGreaterThan(0);
    expect(host.filesystems.some((f: { mount: string }) => f.mount === '/')).toBe(true);
    const series = (await collector.get('/api/metrics?agent=node-1&name=memory.pct')).series;
    expect(series[0].points.length).toBeGreaterThan(0);
    const metricEvents = (await collector.get('/api/events?kind=metric&limit=5')).events;
    expect(metricEvents.some((e: Record<string, unknown>) => typeof e['host.cpu.pct'] === 'number' && typeof e['host.fs.used_pct'] === 'number')).toBe(true);
    const bad = await fetch(`${collector.url}/api/metrics?name=cpu.pct&since=last-week`, { headers: { authorization: `Bearer ${collector.apiToken}` } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).parameter).toBe('since');
    expect((await fetch(`${collector.url}/api/containers`)).status).toBe(401);
  });

  it('shows a crash loop, an OOM kill, an unhealthy and a steady container through the API', async () => {
    engine.docker(...RUN, '--name', 'steady', 'vigil-busybox', 'sleep', '600');
    engine.docker(...RUN, '--name', 'sick', '--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1', 'vigil-busybox', 'sleep', '600');
    engine.docker(...RUN, '--name', 'hog', '-m', '8m', 'vigil-busybox', 'sh', '-c', 'sleep 3; a=xxxxxxxxxxxxxxxx; while true; do a=$a$a; sleep 0.2; done');
    const loopStart = Date.now();
    engine.docker(...RUN, '--name', 'crashy', '--restart', 'always', 'vigil-busybox', 'sh', '-c', 'sleep 0.3; exit 3');

    await waitFor(async () => ((await byName('crashy'))?.restart_count ?? 0) >= 3, 20_000, () => 'crashy restart_count >= 3 within 20 s');
    expect(Date.now() - loopStart).toBeLessThan(20_000);
    await waitFor(async () => (await byName('hog'))?.oom_killed === true, 20_000, () => 'hog oom_killed');
    expect(await byName('hog')).toMatchObject({ state: 'exited', exit_code: 137, oom_killed: true });
    await waitFor(async () => (await byName('sick'))?.health === 'unhealthy', 20_000, () => 'sick unhealthy');
    await waitFor(async () => ((await byName('steady'))?.['memory.usage'] ?? 0) > 0, 20_000, () => 'steady memory usage');
    expect(await byName('steady')).toMatchObject({ state: 'running', health: 'none', 'agent.name': 'node-1' });

    const crashy = (await byName('crashy'))!;
    const evs = (await collector.get(`/api/containers/${crashy.id}/events`)).events;
    const times = evs.map((e: Record<string, string>) => e['@timestamp']);
    expect([...times].sort().reverse()).toEqual(times); // newest first
    const die = evs.find((e: Record<string, unknown>) => e['event.action'] === 'die');
    expect(die).toMatchObject({ 'container.id': crashy.id, 'container.name': 'crashy', 'container.image.name': 'vigil-busybox',
      'process.exit_code': 3, 'event.outcome': 'failure' });
    const stored = (await collector.get('/api/events?kind=container&limit=1000')).events;
    expect(stored.some((e: Record<string, unknown>) => e['event.action'] === 'oom' && e['container.name'] === 'hog')).toBe(true);
    expect(stored.some((e: Record<string, unknown>) => e['event.action'] === 'health_status' && e['container.health'] === 'unhealthy')).toBe(true);

    const prom = await (await fetch(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${collector.apiToken}` } })).text();
    expect(prom).toMatch(/vigil_container_oom_killed\{agent="node-1",container_id="[0-9a-f]{12}",container_name="hog"\} 1/);
    expect(prom).toMatch(/vigil_host_memory_percent\{agent="node-1"\} [0-9.]+/);
  });

  it('follows the engine across a dockerd restart', async () => {
    await engine.kill();
    engine.start();
    engine.docker(...RUN, '--name', 'after-restart', 'vigil-busybox', 'sleep', '600');
    await waitFor(async () => (await byName('after-restart'))?.state === 'running', 30_000, () => 'after-restart running');
    const c = (await byName('after-restart'))!;
    // The state can come from the reconcile after reconnecting before the replayed event stream
    // delivers the start event (`since` the last event seen): wait for the event itself.
    const actions = async () => ((await collector.get(`/api/containers/${c.id}/events`)).events as Array<Record<string, unknown>>).map((e) => e['event.action']);
    await waitFor(async () => (await actions()).includes('start'), 15_000, () => `start event of after-restart; agent log: ${agent.stderr().slice(-3000)}`);
    expect(await actions()).toContain('start');
  });
});
