/**
 * Builds the daily security report from the store: alerts (compliance_alerts, opened in
 * the period), failed-authentication sources and sudo failures and user creations
 * (events in the period, through the ts index), backups and deployments (compliance_ops)
 * and the latest compliance results. Pure reading (generateReport catches compliance_ops
 * up through the writer first); writing is the scheduler's job.
 */
import type { DB } from '../store/db.js';
import { useFieldsFunction } from '../store/event-row.js';
import { hasTable } from '../compliance/schema.js';
import type { OpRow } from '../compliance/ops.js';
import { finalDeployments } from '../compliance/evaluators/changes.js';
import { latestResults } from '../compliance/history.js';
import { DAY_MS, iso } from '../compliance/duration.js';
import type { CheckDef, CheckResult } from '../compliance/types.js';
import type { DailyReport } from './types.js';

export interface ReportInput {
  db: DB; checks: CheckDef[]; now: number; reportAtMs: number;
  /** Fresh results to report; else the latest stored ones. */
  compliance?: CheckResult[];
}

/** The period a date's report covers: the 24 h ending at that date's deadline. */
export function reportPeriod(date: string, reportAtMs: number): { from: number; to: number } {
  const to = Date.parse(`${date}T00:00:00Z`) + reportAtMs;
  return { from: to - DAY_MS, to };
}

const parse = (s: string): Record<string, unknown> => { try { return JSON.parse(s) as Record<string, unknown>; } catch { return {}; } };
const arr = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
const strOrNull = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));

export function buildDailyReport(date: string, input: ReportInput): DailyReport {
  const { db, now } = input;
  const { from, to: end } = reportPeriod(date, input.reportAtMs);
  const to = Math.min(end, now);
  return {
    date, period: { from: iso(from), to: iso(to) }, generated_at: iso(now), partial: now < end,
    alerts: alertSummary(db, from, to),
    ...eventSections(db, from, to),
    backups: backupSummary(db, from, to),
    deployments: deploymentSummary(db, from, to),
    compliance: (input.compliance ?? latestResults(db, input.checks)).map(({ id, title, status, value, threshold, unit, evaluated_at }) => ({ id, title, status, value, threshold, unit, evaluated_at })),
  };
}

function alertSummary(db: DB, from: number, to: number): DailyReport['alerts'] {
  const rows = db.prepare(`SELECT rule_id, MAX(rule_name) AS rule_name, severity, COUNT(*) AS count FROM compliance_alerts
     WHERE opened_ms >= ? AND opened_ms < ? GROUP BY rule_id, severity ORDER BY severity, count DESC, rule_id`).all(from, to) as DailyReport['alerts']['by_rule'];
  const by_severity: Record<string, number> = { P1: 0, P2: 0, P3: 0, P4: 0 };
  for (const r of rows) by_severity[r.severity] = (by_severity[r.severity] ?? 0) + r.count;
  return { total: rows.reduce((t, r) => t + r.count, 0), by_severity, by_rule: rows };
}

/** A row's whole fields JSON (store/event-row.ts), whatever form the row is stored in. */
const FIELDS = 'vigil_fields(fields, shape, agent, ts, ingested, type, message)';
/** Rows with their fields rebuilt once each (a plain subquery would be flattened and rebuild per use). */
const rebuilt = (select: string) => `WITH r AS MATERIALIZED (${select}) SELECT * FROM r`;

function eventSections(db: DB, from: number, to: number): Pick<DailyReport, 'top_sources' | 'new_users' | 'sudo_abuse'> {
  if (!hasTable(db, 'events')) return { top_sources: [], new_users: [], sudo_abuse: [] };
  useFieldsFunction(db); // rows in template form keep their members in field_templates
  const top_sources = db.prepare(`SELECT source_ip AS source,
       SUM(COALESCE(json_extract(fields, '$."vigil.attempts"'), 1)) AS attempts, COUNT(DISTINCT user_name) AS users
     FROM (${rebuilt(`SELECT source_ip, user_name, ${FIELDS} AS fields FROM events
       WHERE ts >= ? AND ts < ? AND kind = 'log' AND outcome = 'failure' AND source_ip IS NOT NULL`)})
     WHERE fields LIKE '%"authentication"%'
     GROUP BY source_ip HAVING attempts > 0 ORDER BY attempts DESC, source LIMIT 10`).all(from, to) as DailyReport['top_sources'];
  const iam = db.prepare(`SELECT id, ts, fields FROM (${rebuilt(`SELECT id, ts, ${FIELDS} AS fields FROM events
     WHERE ts >= ? AND ts < ? AND kind = 'log'`)}) WHERE fields LIKE '%"iam"%' AND fields LIKE '%"creation"%' ORDER BY ts LIMIT 200`).all(from, to) as Array<{ id: number; ts: number; fields: string }>;
  const new_users: DailyReport['new_users'] = [];
  for (const r of iam) {
    const f = parse(r.fields);
    const types = arr(f['event.type']);
    if (!arr(f['event.category']).includes('iam') || !types.includes('creation') || types.includes('group')) continue;
    const user = strOrNull(f['user.target.name'] ?? f['user.name']);
    if (user) new_users.push({ event_id: r.id, time: iso(r.ts), user, host: strOrNull(f['host.name']) });
  }
  const sudo = db.prepare(`SELECT id, ts, user_name, action, message, fields FROM (${rebuilt(`SELECT id, ts, user_name, action, message,
     ${FIELDS} AS fields FROM events WHERE ts >= ? AND ts < ? AND kind = 'log' AND outcome = 'failure'`)})
     WHERE fields LIKE '%"process.name":"sudo"%' ORDER BY ts LIMIT 200`).all(from, to) as Array<{ id: number; ts: number; user_name: string | null; action: string | null; message: string | null; fields: string }>;
  const sudo_abuse = sudo.map((r) => ({
    event_id: r.id, time: iso(r.ts), user: r.user_name, host: strOrNull(parse(r.fields)['host.name']), action: r.action, message: r.message,
  }));
  return { top_sources, new_users, sudo_abuse };
}

function backupSummary(db: DB, from: number, to: number): DailyReport['backups'] {
  const ops = db.prepare(`SELECT * FROM compliance_ops WHERE family = 'backup' AND ts >= ? AND ts < ?
     AND action IN ('succeeded', 'failed') ORDER BY ts`).all(from, to) as OpRow[];
  const jobs = new Map<string, DailyReport['backups']['jobs'][number]>();
  for (const o of ops) {
    const k = `${o.name}\u0000${o.op_kind}`;
    const j = jobs.get(k) ?? { job: o.name, kind: o.op_kind, succeeded: 0, failed: 0, last_success: null };
    if (o.action === 'succeeded') { j.succeeded++; j.last_success = iso(o.ts); } else j.failed++;
    jobs.set(k, j);
  }
  const list = [...jobs.values()];
  return { succeeded: list.reduce((t, j) => t + j.succeeded, 0), failed: list.reduce((t, j) => t + j.failed, 0), jobs: list };
}

function deploymentSummary(db: DB, from: number, to: number): DailyReport['deployments'] {
  const deps = finalDeployments(db, from, to - 1);
  const count = (a: string): number => deps.filter((d) => d.action === a).length;
  return {
    succeeded: count('succeeded'), failed: count('failed'), rolled_back: count('rolled_back'),
    failures: deps.filter((d) => d.action !== 'succeeded').map((d) => ({
      event_id: d.event_id, time: iso(d.ts), service: d.name, version: d.version, id: d.op_id, status: d.action,
    })),
  };
}
