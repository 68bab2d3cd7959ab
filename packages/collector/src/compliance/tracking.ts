/**
 * Bus listeners that keep the compliance module's own view of incidents and agents:
 * every alert change (opened / acknowledged / resolved, at the collector's clock) into
 * compliance_alerts, for MTTR, response times and the daily report; every heartbeat and
 * committed batch into compliance_agents, for the agents-reporting check. The writes
 * run in the writer's commands (commands.ts); the cases runner calls them on its own store.
 */
import type { AlertChange, CollectorContext } from '../context.js';
import type { Alert, CommittedEvent } from '../model.js';
import type Database from 'better-sqlite3';
import type { DB } from '../store/db.js';

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

/** A batch refreshes an agent's row at most this often (heartbeats always do). */
const HEARD_EVERY_MS = 1000;

/**
 * Subscribes to the bus; returns the unsubscribe function. Writes are commands on
 * ctx.writer, sent in the order the bus tells and not awaited (a failure is logged).
 */
export function trackBus(ctx: CollectorContext): () => void {
  const failed = (what: string) => (e: Error) => ctx.log.warn(`compliance: ${what} not tracked`, { err: e.message });
  const written = new Map<string, number>();
  const heard = (agent: string, now: number): void => {
    written.set(agent, now);
    ctx.writer.run('compliance.heard', { agent, at: now }).catch(failed('agent'));
  };
  const onAlert = (alert: Alert, change: AlertChange): void => {
    ctx.writer.run('compliance.alert', { alert, change, at: ctx.now() }).catch(failed('alert'));
  };
  const onHeartbeat = (agent: string): void => heard(agent, ctx.now());
  const onCommitted = (events: CommittedEvent[]): void => {
    const now = ctx.now();
    let last: string | undefined;
    for (const e of events) {
      if (e.agent === last) continue;
      last = e.agent;
      if (now - (written.get(last) ?? -Infinity) >= HEARD_EVERY_MS) heard(last, now);
    }
  };
  ctx.bus.on('alert', onAlert);
  ctx.bus.on('heartbeat', onHeartbeat);
  ctx.bus.on('committed', onCommitted);
  return () => {
    ctx.bus.off('alert', onAlert);
    ctx.bus.off('heartbeat', onHeartbeat);
    ctx.bus.off('committed', onCommitted);
  };
}
