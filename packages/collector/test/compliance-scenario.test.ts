/**
 * The "done" scenario at the store level, on a real SQLite file with a controllable
 * clock: 30 days of database backups every 6 h (last one ~12 h ago, one failed 3 days ago),
 * a daily full backup at 02:05 UTC and 40 deployments (started + final line each, one
 * failed), stored as decoded-shape events through the core's event store. Alerts go through
 * the real alerts service and are raised on state changes only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@vigil/proto';
import { Bus, type CollectorContext } from '../src/context.js';
import { openDatabase, type DB } from '../src/store/db.js';
import { LocalWriteQueue } from '../src/store/writer/queue.js';
import { migrateCore } from '../src/store/schema.js';
import { migrateCompliance } from '../src/compliance/schema.js';
import { loadChecks } from '../src/compliance/loader.js';
import { EVALUATOR_NAMES } from '../src/compliance/evaluators/index.js';
import { parseComplianceConfig } from '../src/compliance/settings.js';
import { ComplianceService } from '../src/compliance/service.js';
import { history } from '../src/compliance/history.js';
import { insertLogEvents, opFields, type LogRecord } from '../src/compliance/seed.js';
import { trackBus } from '../src/compliance/tracking.js';
import { RULESET_DIR } from '../src/paths.js';
import { AlertService } from '../src/alerts/service.js';
import type { Alert } from '../src/model.js';
import type { CheckResult } from '../src/compliance/types.js';

const H = 3_600_000, D = 24 * H, M = 60_000;
const NOW = Date.parse('2026-11-27T14:00:00Z');

function backup(at: number, job: string, kind: string, action: string, extra: Record<string, unknown> = {}): LogRecord {
  return { type: 'backup', agent: 'db1', fields: opFields('backup', at, { 'backup.job': job, 'backup.kind': kind, 'event.action': action, ...extra }) };
}

function scenario(): { records: LogRecord[]; failedBackupAt: number } {
  const records: LogRecord[] = [];
  const lastDb = NOW - 12 * H; // the last database backup finished about 12 h ago
  const failedBackupAt = lastDb - 3 * D + 12 * H; // 3 days before now
  for (let t = lastDb - 30 * D + 6 * H; t <= lastDb; t += 6 * H) {
    records.push(backup(t - 8 * M, 'postgres', 'database', 'started'));
    records.push(backup(t, 'postgres', 'database', t === failedBackupAt ? 'failed' : 'succeeded', { 'event.duration': 8 * M * 1e6 }));
  }
  for (let day = Date.parse('2026-10-28T00:00:00Z'); day <= NOW; day += D) {
    records.push(backup(day + 2 * H, 'files', 'full', 'started'));
    records.push(backup(day + 2 * H + 5 * M, 'files', 'full', 'succeeded', { 'backup.size': 12e9 }));
  }
  for (let i = 0; i < 40; i++) {
    const at = NOW - 29 * D + i * 17 * H;
    const f = { 'deployment.id': `dep-${i}`, 'deployment.service': 'api', 'deployment.version': `1.${i}` };
    records.push({ type: 'deployment', agent: 'app1', fields: opFields('deployment', at, { ...f, 'event.action': 'started' }) });
    records.push({ type: 'deployment', agent: 'app1', fields: opFields('deployment', at + 4 * M, { ...f, 'event.action': i === 31 ? 'failed' : 'succeeded' }) });
  }
  records.sort((a, b) => Date.parse(String(a.fields['@timestamp'])) - Date.parse(String(b.fields['@timestamp'])));
  return { records, failedBackupAt };
}

describe('compliance over 30 days of backups and deployments', () => {
  let dir: string, db: DB, clock: number, ctx: CollectorContext, svc: ComplianceService, untrack: () => void;
  const alerts: Array<{ alert: Alert; change: string }> = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-'));
    db = openDatabase(join(dir, 'vigil.db'));
    migrateCore(db);
    migrateCompliance(db);
    clock = NOW;
    ctx = { db, dataDir: dir, config: {}, bus: new Bus(), now: () => clock, log: createLogger('silent'), writer: new LocalWriteQueue(db) };
    const alertsSvc = new AlertService(ctx);
    alerts.length = 0;
    ctx.bus.on('alert', (alert, change) => alerts.push({ alert, change }));
    untrack = trackBus(ctx);
    const cfg = parseComplianceConfig(undefined);
    svc = new ComplianceService(ctx, loadChecks(join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES, cfg), cfg, alertsSvc);
  });
  afterEach(async () => { untrack(); await svc.stop(); await ctx.writer.close(); db.close(); rmSync(dir, { recursive: true, force: true }); });

  const byId = (rs: CheckResult[], id: string): CheckResult => rs.find((r) => r.id === id)!;

  it('judges the scenario, explains it by evidence, and follows a fresh backup', async () => {
    const { records, failedBackupAt } = scenario();
    const stored = insertLogEvents(db, records, NOW);
    const r1 = await svc.evaluateNow();
    expect(r1.map((r) => r.id).sort()).toHaveLength(12);

    const every6h = byId(r1, 'backup-every-6h');
    expect(every6h.status).toBe('fail');
    expect(every6h.value).toBe(12 * 3600);
    expect(every6h.threshold).toBe(6 * 3600);
    const last = every6h.evidence[0];
    const lastStored = stored.filter((s) => s.fields['backup.kind'] === 'database' && s.fields['event.action'] === 'succeeded').pop()!;
    expect(last).toMatchObject({ event_id: lastStored.id, time: '2026-11-27T02:00:00.000Z', job: 'postgres', status: 'succeeded' });

    const rate = byId(r1, 'backup-success-rate');
    expect(rate.status).toBe('fail');
    const failedEvent = stored.find((s) => s.fields['event.action'] === 'failed' && s.fields['vigil.type'] === 'backup')!;
    expect(Date.parse(String(failedEvent.fields['@timestamp']))).toBe(failedBackupAt);
    expect(rate.evidence.some((e) => e.event_id === failedEvent.id && e.status === 'failed')).toBe(true);
    expect(rate.value).toBeCloseTo((149 / 150) * 100, 2);

    const full = byId(r1, 'daily-full-backup');
    expect(full.status).toBe('pass');
    expect(full.value).toBe(0);
    expect(full.evidence.map((e) => e.day)).toContain('2026-11-27');

    const change = byId(r1, 'change-success-rate');
    expect(change).toMatchObject({ status: 'pass', value: 97.5, threshold: 95 });
    const failedDep = stored.find((s) => s.fields['deployment.id'] === 'dep-31' && s.fields['event.action'] === 'failed')!;
    expect(change.evidence.find((e) => e.event_id === failedDep.id)).toMatchObject({ deployment_id: 'dep-31', status: 'failed' });

    // No probes, alerts, agents or report: not enough data is unknown, never pass.
    for (const id of ['availability', 'response-time-p95', 'error-rate', 'mttr-p1', 'incident-response-time', 'agents-reporting']) {
      expect(byId(r1, id).status, id).toBe('unknown');
      expect(byId(r1, id).value, id).toBeNull();
    }
    // Checks judge the collector's clock: 14:00 is past 06:00 (plus grace), so the scheduler wrote today's report.
    expect(byId(r1, 'security-report-daily').status).toBe('pass');

    // A fresh failure (pass→fail) raised one compliance alert per failing check, through the alerts service.
    const opened = alerts.filter((a) => a.alert['rule.id'].startsWith('compliance:') && a.change === 'opened').map((a) => a.alert['rule.id']).sort();
    expect(byId(r1, 'dr-test-quarterly').status).toBe('fail'); // backups exist, but no restore test
    expect(opened).toEqual(['compliance:backup-every-6h', 'compliance:backup-success-rate', 'compliance:dr-test-quarterly']);

    // Re-evaluating without a change stores history but raises nothing.
    clock += M;
    await svc.evaluateNow();
    expect(alerts.filter((a) => a.alert['rule.id'].startsWith('compliance:'))).toHaveLength(3);

    // A fresh successful database backup turns backup-every-6h to pass at the next evaluation.
    clock += 4 * M;
    insertLogEvents(db, [backup(clock - M, 'postgres', 'database', 'succeeded')], clock);
    expect(byId(svc.latest(), 'backup-every-6h').status).toBe('fail');
    const r3 = await svc.evaluateNow();
    expect(byId(r3, 'backup-every-6h')).toMatchObject({ status: 'pass', value: 60 });
    const resolved = alerts.filter((a) => a.change === 'resolved').map((a) => a.alert['rule.id']);
    expect(resolved).toEqual(['compliance:backup-every-6h']);

    const check = svc.checks().find((c) => c.id === 'backup-every-6h')!;
    const hist = history(db, check, undefined, 100);
    expect(hist.map((h) => h.status)).toEqual(['pass', 'fail', 'fail']);
    expect(hist[0].evaluated_at).toBe(new Date(clock).toISOString());
    expect(history(db, check, clock, 100)).toHaveLength(1);
  });

  it('evaluates in event time up to the collector clock, not the newest event', async () => {
    insertLogEvents(db, [backup(NOW - 2 * H, 'postgres', 'database', 'succeeded')], NOW);
    clock = NOW + 10 * H; // nothing new arrived, but time passed
    expect(byId((await svc.evaluateNow()), 'backup-every-6h')).toMatchObject({ status: 'fail', value: 12 * 3600 });
  });
});

describe('schedule and incident tracking', () => {
  let dir: string, db: DB, clock: number, ctx: CollectorContext, svc: ComplianceService, alertsSvc: AlertService, untrack: () => void;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-sched-'));
    db = openDatabase(join(dir, 'vigil.db'));
    migrateCore(db);
    migrateCompliance(db);
    clock = Date.parse('2026-11-27T05:59:00Z');
    ctx = { db, dataDir: dir, config: {}, bus: new Bus(), now: () => clock, log: createLogger('silent'), writer: new LocalWriteQueue(db) };
    alertsSvc = new AlertService(ctx);
    untrack = trackBus(ctx);
    const cfg = parseComplianceConfig({ interval: '1m' });
    svc = new ComplianceService(ctx, loadChecks(join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES, cfg), cfg, alertsSvc);
  });
  afterEach(async () => { untrack(); await svc.stop(); await ctx.writer.close(); db.close(); rmSync(dir, { recursive: true, force: true }); });
  const status = (rs: CheckResult[], id: string) => rs.find((r) => r.id === id)!.status;

  it('writes the daily report at 06:00 UTC, and the report check follows it', async () => {
    const file = join(dir, 'reports', '2026-11-27.json');
    expect(status((await svc.evaluateNow()), 'security-report-daily')).toBe('unknown'); // 05:59: not due, no report yesterday
    expect(existsSync(file)).toBe(false);
    clock = Date.parse('2026-11-27T06:00:00Z');
    expect(status((await svc.evaluateNow()), 'security-report-daily')).toBe('pass');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ date: '2026-11-27', partial: false, period: { to: '2026-11-27T06:00:00.000Z' } });
    expect(existsSync(join(dir, 'reports', '2026-11-27.md'))).toBe(true);
  });

  it('measures P1 response and resolution times from the alerts service at the collector clock', async () => {
    const update = (id: string, change: 'opened' | 'resolved') => ({
      id, key: `ssh-brute-force|${id}`, rule: { id: 'ssh-brute-force', name: 'SSH brute force', severity: 'P1' as const },
      group: { 'source.ip': '203.0.113.7' }, count: 12, first_seen: new Date(clock).toISOString(), last_seen: new Date(clock).toISOString(),
      evidence: [1], status: change === 'opened' ? 'open' as const : 'resolved' as const, change,
    });
    clock = Date.parse('2026-11-27T10:00:00Z');
    await alertsSvc.apply(update('a-1', 'opened'));
    const stored = db.prepare("SELECT alert_id FROM compliance_alerts WHERE rule_id = 'ssh-brute-force'").get() as { alert_id: string };
    expect(stored).toBeDefined();
    const open = alerts(db);
    clock += 20 * M;
    await alertsSvc.acknowledge(Number(open[0].id), 'alice');
    clock += 20 * M;
    await alertsSvc.resolve(Number(open[0].id), 'alice');
    const r = await svc.evaluateNow();
    expect(r.find((x) => x.id === 'incident-response-time')).toMatchObject({ status: 'fail', value: 1200 });
    expect(r.find((x) => x.id === 'mttr-p1')).toMatchObject({ status: 'fail', value: 2400 });
    expect(r.find((x) => x.id === 'mttr-p1')!.evidence[1]).toMatchObject({ alert_id: stored.alert_id, rule_id: 'ssh-brute-force' });
  });
});

function alerts(db: DB): Array<{ id: number | string }> {
  return db.prepare('SELECT id FROM alerts ORDER BY id').all() as Array<{ id: number }>;
}
