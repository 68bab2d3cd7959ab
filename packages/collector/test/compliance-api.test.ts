/**
 * The compliance and report routes on a real collector (127.0.0.1:0, real HTTP, real
 * tokens) with a controllable clock: auth, evaluate on demand, latest, history as JSON and
 * CSV, 400s naming the parameter, Prometheus gauges, the daily report in JSON and escaped
 * Markdown, and probe results arriving over a real agent WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from '../src/server.js';
import { validateConfig } from '../src/config/load.js';
import { openDatabase } from '../src/store/db.js';
import { DB_FILE, migrateCore } from '../src/store/schema.js';
import { insertLogEvents, opFields } from '../src/compliance/seed.js';
import { AgentClient, quietLog, tempDir } from './core-helpers.js';
import { rowToStoredEvent, type EventRow } from '../src/store/events.js';

const H = 3_600_000, M = 60_000;
const NOW = Date.parse('2026-11-27T14:00:00Z');

describe('compliance API', () => {
  let tmp: ReturnType<typeof tempDir>, c: RunningCollector, clock = NOW, viewer: string, admin: string;
  const get = (path: string, token?: string) => fetch(c.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (path: string, token: string) => fetch(c.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    tmp = tempDir('vigil-compliance-api-');
    // The store holds history before the collector starts (its first evaluation runs at start).
    const db = openDatabase(join(tmp.dir, DB_FILE));
    migrateCore(db);
    const recs = [];
    for (let i = 0; i < 8; i++) {
      recs.push({ type: 'backup', agent: 'db1', fields: opFields('backup', NOW - 12 * H - i * 6 * H, { 'backup.job': 'postgres', 'backup.kind': 'database', 'event.action': 'succeeded' }) });
    }
    // Attacker-chosen text in a user name and a job name must never become markup.
    recs.push({ type: 'backup', agent: 'db1', fields: opFields('backup', NOW - 3 * H, { 'backup.job': '<img src=x onerror=alert(1)>', 'backup.kind': 'full', 'event.action': 'failed' }) });
    recs.push({ type: 'auth', agent: 'web1', fields: {
      '@timestamp': new Date(NOW - 10 * H).toISOString(), message: 'Failed password', 'event.category': ['authentication'], 'event.outcome': 'failure',
      'source.ip': '203.0.113.7', 'user.name': '[pwn](http://evil.example) *bold* <script>', 'vigil.attempts': 1 } });
    recs.push({ type: 'auth', agent: 'web1', fields: {
      '@timestamp': new Date(NOW - 9 * H).toISOString(), message: 'new user: name=eve', 'event.category': ['iam'], 'event.type': ['user', 'creation'],
      'event.outcome': 'success', 'user.name': 'eve|`x`', 'host.name': 'web1' } });
    insertLogEvents(db, recs, NOW);
    db.close();
    c = await startCollector({ host: '127.0.0.1', port: 0, dataDir: tmp.dir, log: quietLog, now: () => clock,
      config: validateConfig({ compliance: { interval: '1h' } }), throttle: { freeFailures: 1000 } });
    viewer = await c.core.tokens.create('api', 'ops-viewer', 'viewer');
    admin = await c.core.tokens.create('api', 'ops-admin', 'admin');
  });
  afterAll(async () => { await c?.stop(); tmp?.cleanup(); });

  it('lists its routes in the OpenAPI document', async () => {
    const doc = await (await get('/api/openapi.json')).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/compliance', '/api/compliance/evaluate', '/api/compliance/{id}/history', '/api/reports/daily']) expect(doc.paths, p).toHaveProperty([p]);
  });

  it('refuses without a token and refuses a viewer POST', async () => {
    expect((await get('/api/compliance')).status).toBe(401);
    expect((await post('/api/compliance/evaluate', viewer)).status).toBe(403);
  });

  it('stores probe results sent by a real agent over the WebSocket', async () => {
    const agentToken = await c.core.tokens.create('agent', 'web1');
    const a = await AgentClient.connect(c.url, { authorization: `Bearer ${agentToken}`, 'x-vigil-agent': 'web1' });
    a.send({ hello: { agentName: 'web1', instanceId: 'i-1', clockMs: clock } });
    expect((await a.next()).welcome).toBeDefined();
    const events = Array.from({ length: 100 }, (_, i) => ({
      timeMs: NOW - 50 * M + i * 30_000,
      probe: { name: 'app', url: 'http://127.0.0.1:3001/api/health', success: i !== 7, statusCode: i === 7 ? 503 : 200, latencyMs: i < 90 ? 80 : 2500 },
    }));
    a.send({ batch: { firstSeq: 1, events } });
    expect((await a.next()).ack?.seq).toBe(100);
    a.send({ heartbeat: { clockMs: clock } });
    await a.close();
    const row = c.ctx.db.prepare('SELECT COUNT(*) AS n, SUM(success) AS ok FROM probe_results').get() as { n: number; ok: number };
    expect(row).toEqual({ n: 100, ok: 99 });
    const probeRow = c.ctx.db.prepare("SELECT * FROM events WHERE kind = 'probe' ORDER BY id LIMIT 1 OFFSET 7").get() as EventRow;
    expect(rowToStoredEvent(probeRow, c.ctx.db).fields).toMatchObject({ 'probe.name': 'app', 'url.full': 'http://127.0.0.1:3001/api/health', 'http.response.status_code': 503, 'event.outcome': 'failure', 'event.duration': 80e6 });
  });

  it('evaluates on demand and serves the latest results with evidence', async () => {
    const res = await post('/api/compliance/evaluate', admin);
    expect(res.status).toBe(200);
    const { checks } = await res.json() as { checks: Array<{ id: string; status: string; value: number | null; threshold: number; evaluated_at: string; evidence: Array<Record<string, unknown>> }> };
    expect(checks).toHaveLength(12);
    const by = Object.fromEntries(checks.map((x) => [x.id, x]));
    expect(by['backup-every-6h']).toMatchObject({ status: 'fail', value: 43200, threshold: 21600, evaluated_at: '2026-11-27T14:00:00.000Z' });
    expect(by['backup-every-6h'].evidence[0]).toMatchObject({ job: 'postgres', status: 'succeeded', time: '2026-11-27T02:00:00.000Z' });
    expect(typeof by['backup-every-6h'].evidence[0].event_id).toBe('number');
    expect(by['availability']).toMatchObject({ status: 'fail', value: 99 });
    expect(by['response-time-p95']).toMatchObject({ status: 'fail', value: 2.5 });
    expect(by['error-rate']).toMatchObject({ status: 'fail', value: 1 });
    expect(by['agents-reporting']).toMatchObject({ status: 'pass', value: 0 });
    expect(by['change-success-rate'].status).toBe('unknown');
    const latest = await (await get('/api/compliance', viewer)).json() as { checks: typeof checks };
    expect(latest.checks.map((x) => [x.id, x.status])).toEqual(checks.map((x) => [x.id, x.status]));
  });

  it('serves history as JSON and CSV, and names bad parameters', async () => {
    clock += 5 * M;
    await post('/api/compliance/evaluate', admin);
    const h = await (await get('/api/compliance/backup-every-6h/history', viewer)).json() as { history: Array<{ evaluated_at: string }> };
    // Three evaluations: at start, on demand at 14:00, on demand at 14:05.
    expect(h.history.map((x) => x.evaluated_at)).toEqual(['2026-11-27T14:05:00.000Z', '2026-11-27T14:00:00.000Z', '2026-11-27T14:00:00.000Z']);
    const since = await (await get('/api/compliance/backup-every-6h/history?since=2026-11-27T14:01:00Z', viewer)).json() as { history: unknown[] };
    expect(since.history).toHaveLength(1);
    const csv = await get('/api/compliance/backup-every-6h/history?format=csv', viewer);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,evaluated_at,status,value,threshold,unit,evidence');
    expect(lines[1]).toMatch(/^backup-every-6h,2026-11-27T14:05:00.000Z,fail,43500,21600,seconds,"?#\d+ /);
    for (const [q, param] of [['since=yesterday', 'since'], ['format=xml', 'format'], ['limit=0', 'limit']]) {
      const r = await get(`/api/compliance/backup-every-6h/history?${q}`, viewer);
      expect(r.status, q).toBe(400);
      expect((await r.json() as { parameter: string }).parameter).toBe(param);
    }
    expect((await get('/api/compliance/no-such-check/history', viewer)).status).toBe(404);
  });

  it('exports Prometheus gauges per check', async () => {
    const text = await (await get('/metrics', viewer)).text();
    expect(text).toContain('vigil_compliance_check_status{check="backup-every-6h"} 0');
    expect(text).toContain('vigil_compliance_check_status{check="change-success-rate"} -1');
    expect(text).toContain('vigil_compliance_check_value{check="backup-every-6h",unit="seconds"} 43500');
    expect(text).toContain('vigil_compliance_check_threshold{check="availability",unit="percent"} 99.9');
  });

  it('writes the daily report at the deadline and serves it as JSON and escaped Markdown', async () => {
    // 14:00 is past today's 06:00 deadline: the evaluation at start wrote today's report.
    expect(existsSync(join(tmp.dir, 'reports', '2026-11-27.json'))).toBe(true);
    expect(existsSync(join(tmp.dir, 'reports', '2026-11-27.md'))).toBe(true);
    const json = await (await get('/api/reports/daily?date=2026-11-27&format=json', viewer)).json() as Record<string, any>;
    expect(json.period).toEqual({ from: '2026-11-26T06:00:00.000Z', to: '2026-11-27T06:00:00.000Z' });
    expect(json.top_sources).toEqual([{ source: '203.0.113.7', attempts: 1, users: 1 }]);
    expect(json.new_users).toMatchObject([{ user: 'eve|`x`', host: 'web1' }]);
    expect(json.backups.succeeded).toBeGreaterThan(0);
    // Fresh results of every check but the report's own (judged after the report is written).
    expect(json.compliance.map((x: { id: string }) => x.id)).toHaveLength(11);
    expect(json.compliance.find((x: { id: string }) => x.id === 'backup-every-6h')).toMatchObject({ status: 'fail', value: 43200 });
    const md = await get('/api/reports/daily?date=2026-11-27&format=md', viewer);
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    const text = await md.text();
    expect(text).toBe(readFileSync(join(tmp.dir, 'reports', '2026-11-27.md'), 'utf8'));
    expect(text).toContain('eve\\|\\`x\\`');
    expect(text).not.toMatch(/<script|<img|\]\(http/);
    // Today's (partial) report for the period still running is served but not stored.
    clock = Date.parse('2026-11-28T03:00:00Z');
    const partial = await (await get('/api/reports/daily?date=2026-11-28', viewer)).json() as { partial: boolean; backups: { failed: number } };
    expect(partial.partial).toBe(true);
    expect(partial.backups.failed).toBe(1);
    expect(existsSync(join(tmp.dir, 'reports', '2026-11-28.json'))).toBe(false);
    const bad = await get('/api/reports/daily?date=2026-13-01', viewer);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ parameter: 'date' });
    expect((await get('/api/reports/daily?date=2026-12-01', viewer)).status).toBe(400);
    expect((await get('/api/reports/daily?format=pdf', viewer)).status).toBe(400);
  });
});
