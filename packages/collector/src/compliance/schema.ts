/**
 * The compliance module's tables (migrations of module 'compliance'): derived operation
 * rows for backups and deployments, probe results, alert timelines, agent last-heard
 * times, every evaluation's result, and each check's last state (for state-change alerts).
 * Derived tables keep their own retention, so 90-day checks outlive 30-day event retention.
 */
import { migrate, type DB } from '../store/db.js';

export function migrateCompliance(db: DB): void {
  migrate(db, 'compliance', [
    `CREATE TABLE compliance_ops (
       event_id INTEGER PRIMARY KEY, family TEXT NOT NULL, ts INTEGER NOT NULL, agent TEXT,
       name TEXT, op_kind TEXT, op_id TEXT, version TEXT, action TEXT NOT NULL, outcome TEXT,
       duration_ns REAL, size REAL, error TEXT);
     CREATE INDEX compliance_ops_family_ts ON compliance_ops(family, ts);
     CREATE TABLE compliance_cursor (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
     CREATE TABLE probe_results (
       event_id INTEGER PRIMARY KEY, agent TEXT NOT NULL, name TEXT NOT NULL, ts INTEGER NOT NULL,
       url TEXT, success INTEGER NOT NULL, status_code INTEGER, latency_ms REAL, error TEXT);
     CREATE INDEX probe_results_name_ts ON probe_results(name, ts);
     CREATE INDEX probe_results_ts ON probe_results(ts);
     CREATE TABLE compliance_alerts (
       alert_id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, rule_name TEXT, severity TEXT NOT NULL,
       agent TEXT, group_json TEXT NOT NULL, count INTEGER NOT NULL, opened_ms INTEGER NOT NULL,
       acked_ms INTEGER, resolved_ms INTEGER);
     CREATE INDEX compliance_alerts_opened ON compliance_alerts(opened_ms);
     CREATE TABLE compliance_agents (name TEXT PRIMARY KEY, last_seen_ms INTEGER NOT NULL);
     CREATE TABLE compliance_results (
       id INTEGER PRIMARY KEY, check_id TEXT NOT NULL, evaluated_at INTEGER NOT NULL, status TEXT NOT NULL,
       value REAL, threshold REAL NOT NULL, evidence TEXT NOT NULL);
     CREATE INDEX compliance_results_check ON compliance_results(check_id, evaluated_at);
     CREATE INDEX compliance_results_at ON compliance_results(evaluated_at);
     CREATE TABLE compliance_state (
       check_id TEXT PRIMARY KEY, status TEXT NOT NULL, since INTEGER NOT NULL, alert_id TEXT);`,
    // Probe figures per name read a covering index; probe_names lists probes and their last run.
    `CREATE INDEX probe_results_cover ON probe_results(name, ts, success);
     DROP INDEX probe_results_name_ts;
     CREATE TABLE probe_names (name TEXT PRIMARY KEY, last_ts INTEGER NOT NULL, last_event_id INTEGER NOT NULL);
     INSERT INTO probe_names (name, last_ts, last_event_id)
       SELECT name, MAX(ts), MAX(event_id) FROM probe_results GROUP BY name;`,
  ]);
}

/** True when a table exists (tables of other modules may not, in tests or old stores). */
export function hasTable(db: DB, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
