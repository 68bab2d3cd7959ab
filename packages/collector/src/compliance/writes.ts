/**
 * The compliance module's writes, run inside the writer's commands (commands.ts) and by the
 * cases runner on its own store: check results with each check's pass/fail state, and the
 * module's own view of alert changes and of agents heard from. Writer-side code: it imports
 * only the store and plain types, never main-thread services.
 */
import type Database from 'better-sqlite3';
import type { DB } from '../store/db.js';
import type { Alert, AlertChange } from '../model.js';
import { appendResults } from './history.js';
import type { CheckResult, CheckStatus } from './types.js';

/** A check's pass/fail change as the writer reports it: the result's index, not the check (plain data). */
export interface StateChange { index: number; from: CheckStatus | null; to: 'pass' | 'fail'; alertId: string | null }

/** Stores the results and each check's state; runs in the writer's 'compliance.record' command. */
export function recordResults(db: DB): (args: { results: CheckResult[]; now: number }) => StateChange[] {
  const get = db.prepare('SELECT status, alert_id FROM compliance_state WHERE check_id = ?');
  const put = db.prepare(`INSERT INTO compliance_state (check_id, status, since, alert_id) VALUES (?, ?, ?, ?)
     ON CONFLICT(check_id) DO UPDATE SET status = excluded.status, since = excluded.since, alert_id = excluded.alert_id`);
  const append = appendResults(db);
  return ({ results, now }) => {
    append(results.map((result) => ({ result, at: now })));
    const out: StateChange[] = [];
    results.forEach((r, index) => {
      if (r.status === 'unknown') return;
      const prev = get.get(r.id) as { status: CheckStatus; alert_id: string | null } | undefined;
      if (prev?.status === r.status) return;
      // A first-ever pass is not a change worth an alert; a first-ever fail is.
      const alertId = r.status === 'fail' ? `compliance:${r.id}:${now}` : prev?.alert_id ?? null;
      put.run(r.id, r.status, now, r.status === 'fail' ? alertId : null);
      if (prev || r.status === 'fail') out.push({ index, from: prev?.status ?? null, to: r.status, alertId });
    });
    return out;
  };
}

const SQL = {
  alert: `INSERT INTO compliance_alerts (alert_id, rule_id, rule_name, severity, agent, group_json, count, opened_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(alert_id) DO UPDATE SET count = excluded.count, severity = excluded.severity`,
  acked: 'UPDATE compliance_alerts SET acked_ms = ? WHERE alert_id = ? AND acked_ms IS NULL',
  resolved: 'UPDATE compliance_alerts SET resolved_ms = ? WHERE alert_id = ? AND resolved_ms IS NULL',
  heard: `INSERT INTO compliance_agents (name, last_seen_ms) VALUES (?, ?)
     ON CONFLICT(name) DO UPDATE SET last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)`,
};
type Statements = { [K in keyof typeof SQL]: Database.Statement<unknown[]> };

/** The statements, prepared once per connection (they run on every heartbeat and alert change). */
const prepared = new WeakMap<DB, Statements>();
function statements(db: DB): Statements {
  let s = prepared.get(db);
  if (s === undefined) {
    s = { alert: db.prepare(SQL.alert), acked: db.prepare(SQL.acked), resolved: db.prepare(SQL.resolved), heard: db.prepare(SQL.heard) };
    prepared.set(db, s);
  }
  return s;
}

export function recordAlert(db: DB, alert: Alert, change: AlertChange, atMs: number): void {
  const q = statements(db);
  q.alert.run(alert.id, alert['rule.id'], alert['rule.name'] ?? null, alert.severity, alert['agent.name'] ?? null,
    JSON.stringify(alert.group ?? {}), alert.count ?? 1, atMs);
  if (change === 'acknowledged' || alert.status === 'acknowledged') q.acked.run(atMs, alert.id);
  if (change === 'resolved' || alert.status === 'resolved') q.resolved.run(atMs, alert.id);
}

export function recordHeard(db: DB, agent: string, atMs: number): void {
  statements(db).heard.run(agent, atMs);
}
