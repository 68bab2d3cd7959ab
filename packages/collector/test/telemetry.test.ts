// Telemetry in the collector with a real SQLite file and a real fastify app (inject):
// wire bodies through the registered handlers, container state and lifecycle events,
// series with downsampling and pruning, the API answers and 400s, and Prometheus gauges.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '@vigil/proto';
import { openDatabase, type DB } from '../src/store/db.js';
import { BodyHandlers } from '../src/ingest/handlers.js';
import { CommandRunner } from '../src/store/writer/runner.js';
import { MetricsRegistry } from '../src/metrics/registry.js';
import { TelemetryStore } from '../src/telemetry/store.js';
import { registerTelemetryHandlers } from '../src/telemetry/handlers.js';
import { registerTelemetryRoutes } from '../src/telemetry/routes.js';
import { containerEvents, type ContainerEventsAfter } from '../src/telemetry/queries.js';
import { registerTelemetryGauges } from '../src/telemetry/gauges.js';
import { EnumGuard } from '../src/telemetry/enums.js';
import { createLogger, type Logger } from '@vigil/proto';

const H = 3600_000;
let dir: string, db: DB, store: TelemetryStore, now = Date.parse('2026-11-27T12:00:00Z');
let nextId = 1;
const warnings: Array<Record<string, unknown>> = [];
const recordingLog: Logger = { ...createLogger('silent'), warn: (msg, extra) => { warnings.push({ msg, ...extra }); } };
const enumMetrics = new MetricsRegistry();
const app = Fastify();

const bodies = new BodyHandlers();
let runner: CommandRunner;

/** What ingest does with a non-log body: handler fields, a row id, its derived operations in a transaction. */
function ingest(agent: string, ev: Event) {
  const body = (['metrics', 'containerEvent', 'containerState'] as const).find((b) => ev[b])!;
  const h = bodies.get(body)!;
  const fields = h.toFields(ev, agent);
  const stored = { id: nextId++, agent, seq: nextId, kind: h.kind, fields };
  db.transaction(() => { for (const [op, args] of h.derive?.(stored, ev) ?? []) runner.run(op, args); })();
  return stored;
}

const hostEv = (t: number, cpu: number, fsPct = 40): Event => ({ timeMs: t, metrics: { hostName: 'web-1.example', samples: [
  { name: 'cpu.pct', value: cpu }, { name: 'memory.pct', value: 50 }, { name: 'load.1', value: 0.5 },
  { name: 'fs.used_pct', value: fsPct, labels: { mount: '/', device: '/dev/vda', fstype: 'ext4' } },
  { name: 'fs.used_pct', value: 91, labels: { mount: '/data', device: '/dev/vdb', fstype: 'xfs' } },
] } });
const CID = 'ab'.repeat(32);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-telemetry-'));
  db = openDatabase(join(dir, 'vigil.db'));
  store = new TelemetryStore(db);
  runner = new CommandRunner(db);
  registerTelemetryHandlers(bodies, store, new EnumGuard(recordingLog, enumMetrics.counter('vigil_ingest_unknown_values_total', 'test'), () => now));
  registerTelemetryRoutes(app, db, undefined, () => now);
  await app.ready();
});
afterAll(async () => { await app.close(); db.close(); rmSync(dir, { recursive: true, force: true }); });

describe('handlers', () => {
  it('turns a host metrics event into ECS fields and series rows', () => {
    const s = ingest('web-1', hostEv(now - 2 * H, 10));
    expect(s.kind).toBe('metric');
    expect(s.fields).toMatchObject({ 'host.cpu.pct': 10, 'host.memory.pct': 50, 'host.load.1': 0.5, 'host.name': 'web-1.example',
      'host.fs.used_pct': 91, 'host.fs.mount': '/data', 'event.kind': 'metric', '@timestamp': new Date(now - 2 * H).toISOString() });
    expect((db.prepare('SELECT COUNT(*) AS n FROM metric_raw').get() as { n: number }).n).toBe(5);
  });

  it('keeps the current container state and stores lifecycle events with ECS fields', () => {
    const st = ingest('web-1', { timeMs: now - 60_000, containerState: { id: CID, name: 'api', image: 'vigil-busybox', state: 'running',
      health: 'unhealthy', restartCount: 3, exitCode: 0, oomKilled: false, labels: { 'com.docker.compose.project': 'shop' } } });
    expect(st.kind).toBe('container');
    expect(st.fields).toMatchObject({ 'container.health': 'unhealthy', 'container.restart_count': 3, 'event.outcome': 'failure' });
    const die = ingest('web-1', { timeMs: now - 30_000, containerEvent: { id: CID, name: 'api', image: 'vigil-busybox', action: 'die', exitCode: 137 } });
    expect(die.fields).toMatchObject({ 'container.id': CID, 'container.name': 'api', 'container.image.name': 'vigil-busybox',
      'event.action': 'die', 'event.outcome': 'failure', 'process.exit_code': 137, 'container.restart_count': 3, 'container.oom_killed': false });
    const oom = ingest('web-1', { timeMs: now - 29_000, containerEvent: { id: CID, name: 'api', action: 'oom' } });
    expect(oom.fields).toMatchObject({ 'event.action': 'oom', 'container.oom_killed': true, 'event.outcome': 'failure' });
    ingest('web-1', { timeMs: now - 20_000, metrics: { samples: [
      { name: 'container.cpu.pct', value: 12.5, labels: { 'container.id': CID, 'container.name': 'api' } },
      { name: 'container.memory.usage', value: 4_000_000, labels: { 'container.id': CID, 'container.name': 'api' } },
    ] } });
    // an older state arriving late does not overwrite the newer one
    ingest('web-1', { timeMs: now - 10 * H, containerState: { id: CID, name: 'api', state: 'exited', restartCount: 0 } });
  });
});

describe('enum values from agents', () => {
  it('never stores an unknown container state, health or action as is; counts them and logs once a minute per field', () => {
    const id = 'cd'.repeat(32);
    warnings.length = 0;
    const st = ingest('web-9', { timeMs: now, containerState: { id, name: 'x', state: '<b>owned</b>', health: 'totally-fine\u202e' } });
    expect(st.fields).toMatchObject({ 'container.state': 'unknown', 'container.health': 'none' });
    expect(db.prepare('SELECT state, health FROM container_state WHERE agent = ? AND id = ?').get('web-9', id)).toEqual({ state: 'unknown', health: 'none' });
    const ev = ingest('web-9', { timeMs: now, containerEvent: { id, name: 'x', action: 'pwn', health: 'sort-of' } });
    expect(ev.fields).toMatchObject({ 'event.action': 'unknown', 'container.health': 'none' });
    expect(JSON.parse((db.prepare('SELECT fields FROM container_events WHERE event_id = ?').get(ev.id) as { fields: string }).fields))
      .toMatchObject({ 'event.action': 'unknown', 'container.health': 'none' });
    // Known values pass unchanged (Docker's states, the contract's health values).
    for (const state of ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']) {
      for (const health of ['none', 'starting', 'healthy', 'unhealthy']) {
        const ok = ingest('web-9', { timeMs: now + 1, containerState: { id, name: 'x', state, health } });
        expect(ok.fields).toMatchObject({ 'container.state': state, 'container.health': health });
      }
    }
    for (let i = 0; i < 50; i++) ingest('web-9', { timeMs: now, containerState: { id, name: 'x', state: `bad${i}`, health: 'healthy' } });
    expect(warnings.filter((w) => w.field === 'container.state')).toHaveLength(1);
    expect(warnings.map((w) => w.field).sort()).toEqual(['container.action', 'container.health', 'container.state']);
    expect(enumMetrics.render()).toMatch(/vigil_ingest_unknown_values_total\{field="container.state"\} 51/);
    expect(enumMetrics.render()).toMatch(/vigil_ingest_unknown_values_total\{field="container.health"\} 2/);
    now += 61_000;
    ingest('web-9', { timeMs: now, containerState: { id, name: 'x', state: 'again', health: 'healthy' } });
    expect(warnings.filter((w) => w.field === 'container.state')).toHaveLength(2);
    expect(warnings.at(-1)).toMatchObject({ field: 'container.state', value: 'again', replaced_by: 'unknown', suppressed: 50 });
    now -= 61_000;
  });
});

describe('API', () => {
  const get = async (url: string) => { const r = await app.inject({ method: 'GET', url }); return { status: r.statusCode, body: r.json() }; };

  it('GET /api/hosts answers the latest host gauges and filesystems', async () => {
    ingest('web-1', hostEv(now - 1000, 33));
    const { body } = await get('/api/hosts');
    expect(body.hosts).toHaveLength(1);
    expect(body.hosts[0]).toMatchObject({ name: 'web-1', 'host.name': 'web-1.example', 'cpu.pct': 33, 'memory.pct': 50, 'load.1': 0.5,
      last_sample: new Date(now - 1000).toISOString() });
    expect(body.hosts[0].filesystems.map((f: { mount: string }) => f.mount).sort()).toEqual(['/', '/data']);
  });

  it('GET /api/containers answers the current state with usage', async () => {
    const { body } = await get('/api/containers?agent=web-1');
    expect(body.containers).toEqual([expect.objectContaining({ id: CID, name: 'api', image: 'vigil-busybox', state: 'running',
      health: 'unhealthy', restart_count: 3, exit_code: 0, oom_killed: false, 'cpu.pct': 12.5, 'memory.usage': 4_000_000, 'agent.name': 'web-1' })]);
    expect((await get('/api/containers?agent=other')).body.containers).toEqual([]);
  });

  it('GET /api/containers/:id/events is newest first and accepts a short id', async () => {
    const { body } = await get(`/api/containers/${CID.slice(0, 12)}/events`);
    expect(body.events.map((e: Record<string, unknown>) => e['event.action'])).toEqual(['oom', 'die']);
    expect((await get('/api/containers/zz<b>/events')).body.parameter).toBe('id');
  });

  it('GET /api/containers/:id/events pages with next_cursor; a page ends at the byte budget', async () => {
    const id = 'ef'.repeat(32);
    for (let i = 0; i < 12; i++) {
      ingest('web-2', { timeMs: now - 1000 + (i >> 1), containerEvent: { id, name: 'big', action: 'start', attributes: { 'com.docker.compose.service': `s${i}-${'z'.repeat(4000)}` } } });
    }
    const services = (evs: unknown[]) => evs.map((e) => String((e as Record<string, unknown>)['container.labels.compose_service']).split('-')[0]);
    const want = Array.from({ length: 12 }, (_, i) => `s${11 - i}`);
    // the budget: about 4 KiB a row, 10 KiB a page → 2 rows a page; same ts pairs are split across pages correctly
    const seen: string[] = [];
    let after: ContainerEventsAfter | undefined;
    for (let n = 0; n < 20; n++) {
      const page = containerEvents(db, id, 100, 10 * 1024, after);
      expect(page.events.length).toBeGreaterThanOrEqual(1);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...services(page.events));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(want);
    // over HTTP: limit 5 → pages of 5, 5, 2 through next_cursor
    const viaHttp: string[] = [];
    let url = `/api/containers/${id}/events?limit=5`;
    for (let n = 0; n < 5; n++) {
      const { status, body } = await get(url);
      expect(status).toBe(200);
      viaHttp.push(...services(body.events));
      if (body.next_cursor === null) break;
      url = `/api/containers/${id}/events?limit=5&cursor=${encodeURIComponent(body.next_cursor)}`;
    }
    expect(viaHttp).toEqual(want);
    expect((await get(`/api/containers/${id}/events?cursor=bogus`)).body.parameter).toBe('cursor');
  });

  it('GET /api/metrics merges minute averages (older than 24 h) with raw samples, newest first', async () => {
    // two days ago: two samples in one minute → one averaged point after the raw rows are pruned
    ingest('web-1', hostEv(now - 48 * H, 20));
    ingest('web-1', hostEv(now - 48 * H + 10_000, 40));
    expect(store.prune(now)).toBeGreaterThan(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM metric_raw WHERE ts < ?').get(now - 24 * H) as { n: number }).n).toBe(0);
    const { body } = await get('/api/metrics?agent=web-1&name=cpu.pct');
    const pts = body.series[0].points;
    expect(pts[0]).toEqual([new Date(now - 1000).toISOString(), 33]);
    expect(pts.at(-1)[1]).toBe(30);
    expect(pts.map((p: [string, number]) => p[1])).toEqual([33, 10, 30]);
    const since = new Date(now - 3 * H).toISOString();
    const stepped = await get(`/api/metrics?name=fs.used_pct&since=${since}&step=1d`);
    expect(stepped.body.series.map((s: { labels: { mount: string } }) => s.labels.mount).sort()).toEqual(['/', '/data']);
  });

  it('names the bad parameter in a 400', async () => {
    for (const [url, param] of [['/api/metrics?name=cpu.pct&since=yesterday', 'since'], ['/api/metrics?name=cpu.pct&until=2026-13-99', 'until'],
      ['/api/metrics?name=cpu.pct&step=0s', 'step'], ['/api/metrics?agent=web-1', 'name'],
      ['/api/metrics?name=cpu.pct&since=2026-11-27T12:00:00Z&until=2026-11-27T11:00:00Z', 'until'],
      ['/api/containers/abcd/events?limit=0', 'limit']] as const) {
      const r = await get(url);
      expect(r.status, url).toBe(400);
      expect(r.body.parameter, url).toBe(param);
    }
  });
});

describe('Prometheus gauges', () => {
  it('exports the latest host and container values, with escaped labels', () => {
    const reg = new MetricsRegistry();
    registerTelemetryGauges(reg, db, () => now);
    ingest('web-1', { timeMs: now, containerState: { id: 'cd'.repeat(32), name: 'we"ird\nname', state: 'exited', oomKilled: true, exitCode: 137 } });
    const text = reg.render();
    expect(text).toContain('vigil_host_cpu_percent{agent="web-1"} 33');
    expect(text).toContain('vigil_host_filesystem_used_percent{agent="web-1",mount="/data"} 91');
    expect(text).toContain(`vigil_container_restart_count{agent="web-1",container_id="${CID.slice(0, 12)}",container_name="api"} 3`);
    expect(text).toContain(`vigil_container_unhealthy{agent="web-1",container_id="${CID.slice(0, 12)}",container_name="api"} 1`);
    expect(text).toContain('vigil_container_oom_killed{agent="web-1",container_id="cdcdcdcdcdcd",container_name="we\\"ird\\nname"} 1');
  });
});

describe('module state', () => {
  it('two collectors in one process keep their own prune timer and enum guard', async () => {
    const { startCollector } = await import('../src/server.js');
    const { validateConfig } = await import('../src/config/load.js');
    const { vi } = await import('vitest');
    const closed = vi.spyOn(EnumGuard.prototype, 'close');
    const dirs = [mkdtempSync(join(tmpdir(), 'vigil-tm-a-')), mkdtempSync(join(tmpdir(), 'vigil-tm-b-'))];
    try {
      const [a, b] = [await startCollector({ host: '127.0.0.1', port: 0, dataDir: dirs[0], config: validateConfig({}), log: createLogger('silent') }),
        await startCollector({ host: '127.0.0.1', port: 0, dataDir: dirs[1], config: validateConfig({}), log: createLogger('silent') })];
      await a.stop();
      await b.stop();
      // Each stop closed its own guard: two different instances, not the last one twice.
      expect(closed.mock.contexts).toHaveLength(2);
      expect(closed.mock.contexts[0]).not.toBe(closed.mock.contexts[1]);
    } finally {
      closed.mockRestore();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
