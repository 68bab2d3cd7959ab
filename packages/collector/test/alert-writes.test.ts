/**
 * Alert writes as commands on a real collector (SQLite file, ingest writer thread, real
 * agent WebSocket, real HTTP): an alert is stored only after the events it names as
 * evidence (checked by a trigger at the moment of the write), a failing command stores
 * nothing of itself, a malformed engine update is dropped alone, and an action on a
 * missing alert or silence is a 404 through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../src/server.js';
import { DB_FILE, startCollector } from '../src/server.js';
import { openDatabase } from '../src/store/db.js';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { ALERTS } from '../src/alerts/key.js';
import type { CheckResult } from '../src/compliance/types.js';
import type { Alert } from '../src/model.js';
import { AgentClient, captureLog, line, tempDir } from './core-helpers.js';
import { bruteForce } from './alerts-harness.js';
import { waitFor } from '../../../test/helpers/procs.js';

let tmp: ReturnType<typeof tempDir>;
let c: RunningCollector;
let admin: string;
const log = captureLog();

beforeAll(async () => {
  tmp = tempDir('vigil-alert-writes-');
  c = await startCollector({ host: '127.0.0.1', port: 0, dataDir: tmp.dir, config: validateConfig({}), log, throttle: { freeFailures: 1000 } });
  admin = await c.core.tokens.create('api', 'alice', 'admin');
});
afterAll(async () => { await c?.stop(); tmp?.cleanup(); });

const api = (method: 'GET' | 'POST' | 'DELETE', path: string) =>
  fetch(c.url + path, { method, headers: { authorization: `Bearer ${admin}` } });

describe('alert writes on the write queue', () => {
  it('stores an alert only once the events of its evidence are stored', async () => {
    // At the moment an alert row is written, count the evidence ids that are not (yet) events.
    // (Set up on a connection of the test's own: the collector's main one refuses writes.)
    const own = openDatabase(join(tmp.dir, DB_FILE));
    own.exec(`CREATE TABLE evidence_check (alert_id INTEGER, refs INTEGER, missing INTEGER);
      CREATE TRIGGER evidence_on_insert AFTER INSERT ON alerts BEGIN
        INSERT INTO evidence_check SELECT NEW.id, (SELECT COUNT(*) FROM json_each(NEW.evidence)),
          (SELECT COUNT(*) FROM json_each(NEW.evidence) j WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = j.value));
      END;
      CREATE TRIGGER evidence_on_update AFTER UPDATE OF evidence ON alerts BEGIN
        INSERT INTO evidence_check SELECT NEW.id, (SELECT COUNT(*) FROM json_each(NEW.evidence)),
          (SELECT COUNT(*) FROM json_each(NEW.evidence) j WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = j.value));
      END;`);
    own.close();
    const token = await c.core.tokens.create('agent', 'web1');
    const a = await AgentClient.connect(c.url, { authorization: `Bearer ${token}`, 'x-vigil-agent': 'web1' });
    try {
      a.send({ hello: { agentName: 'web1', instanceId: 'i1', version: '0.1.0', clockMs: Date.now(), host: { hostname: 'web1' } } });
      expect((await a.next()).welcome).toBeDefined();
      const fail = (i: number) => line(i * 100, `Dec 10 07:13:${String(10 + i).padStart(2, '0')} web1 sshd[${500 + i}]: Failed password for root from 203.0.113.50 port ${40000 + i} ssh2`);
      // One large batch (its commit takes a while on the writer thread) holding the attack, then
      // a heartbeat: the heartbeat flushes the engine's alert while the batch may still be committing.
      const filler = Array.from({ length: 20_000 }, (_, i) => line(10_000 + i * 80, `Dec 10 07:13:30 web1 CRON[${i}]: pam_unix(cron:session): session opened for user root`));
      a.send({ batch: { firstSeq: 1, events: [...Array.from({ length: 9 }, (_, i) => fail(i)), ...filler] } });
      a.send({ heartbeat: { clockMs: Date.now(), stats: { linesRead: 0, bytesRead: 0, eventsDropped: 0 } } });
      expect((await a.next(30_000)).ack).toBeDefined();
      const brute = () => c.ctx.db.prepare(`SELECT id, count, evidence FROM alerts WHERE rule_id = 'ssh-brute-force'`).get() as { id: number; count: number; evidence: string } | undefined;
      await waitFor(() => brute()?.count === 9, 10_000, () => `brute-force alert: ${JSON.stringify(brute())}`);
      const checks = c.ctx.db.prepare('SELECT refs, missing FROM evidence_check WHERE alert_id = ?').all(brute()!.id) as Array<{ refs: number; missing: number }>;
      expect(checks.length).toBeGreaterThanOrEqual(1);
      expect(checks.every((r) => r.refs > 0 && r.missing === 0)).toBe(true);
      expect(JSON.parse(brute()!.evidence)).toHaveLength(9);
    } finally {
      await a.close();
    }
  });

  it('a command that fails stores nothing of itself, and the queue goes on', async () => {
    const result = (id: string | null): CheckResult => ({
      id: id as string, title: 't', status: 'fail', value: 1, threshold: 0, unit: 'count', compare: '<=', evaluated_at: 'x', evidence: [],
    });
    // The second result breaks the NOT NULL of compliance_results: the first, and its state, roll back with it.
    await expect(c.ctx.writer.run('compliance.record', { results: [result('rollback-probe'), result(null)], now: Date.now() })).rejects.toThrow(/NOT NULL/);
    expect(c.ctx.db.prepare(`SELECT COUNT(*) AS n FROM compliance_results WHERE check_id = 'rollback-probe'`).get()).toEqual({ n: 0 });
    expect(c.ctx.db.prepare(`SELECT COUNT(*) AS n FROM compliance_state WHERE check_id = 'rollback-probe'`).get()).toEqual({ n: 0 });
    const changes = await c.ctx.writer.run('compliance.record', { results: [result('rollback-probe')], now: Date.now() });
    expect(changes).toEqual([{ index: 0, from: null, to: 'fail', alertId: expect.stringMatching(/^compliance:rollback-probe:/) }]);
  });

  it('drops a malformed update of a flush alone: the others are stored and announced, the bad one logged', async () => {
    const svc = c.modules.services.find(ALERTS)!;
    const heard: Array<[Alert, string]> = [];
    const onAlert = (a: Alert, change: string) => heard.push([a, change]);
    c.ctx.bus.on('alert', onAlert);
    try {
      await svc.applyAll([
        bruteForce('198.51.100.1', { key: 'flush|a' }),
        bruteForce('198.51.100.2', { key: 'flush|bad', last_seen: 'yesterday' }),
        bruteForce('198.51.100.3', { key: 'flush|c' }),
      ]);
    } finally {
      c.ctx.bus.off('alert', onAlert);
    }
    const keys = (c.ctx.db.prepare(`SELECT key FROM alerts WHERE key LIKE 'flush|%' ORDER BY id`).all() as Array<{ key: string }>).map((r) => r.key);
    expect(keys).toEqual(['flush|a', 'flush|c']);
    expect(heard.map(([a, ch]) => `${a.group['source.ip']}:${ch}`)).toEqual(['198.51.100.1:opened', '198.51.100.3:opened']);
    expect(log.lines.find((l) => l.msg === 'alert update dropped' && l.extra?.key === 'flush|bad')?.extra?.error).toMatch(/RFC 3339/);
  });

  it('answers 404 for an action on a missing alert or silence, and 200 for the next one', async () => {
    for (const path of ['/api/alerts/424242/ack', '/api/alerts/424242/resolve', '/api/silences/424242/expire']) {
      const res = await api('POST', path);
      expect(res.status, path).toBe(404);
      expect((await res.json() as { error: string }).error, path).toMatch(/not found/);
    }
    expect((await api('DELETE', '/api/silences/424242')).status).toBe(404);
    const id = (c.ctx.db.prepare(`SELECT id FROM alerts WHERE key = 'flush|a'`).get() as { id: number }).id;
    const ack = await api('POST', `/api/alerts/${id}/ack`);
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ id: String(id), status: 'acknowledged', acknowledged_by: 'alice' });
  });
});
