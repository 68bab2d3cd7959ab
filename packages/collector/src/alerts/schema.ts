/**
 * The alerts module's tables (module name 'alerts' in schema_migrations): alerts, their
 * status history (who and when; compliance measures response times from it) and
 * silences. Steps are append-only: add a new step, never edit a shipped one.
 */
import { migrate, type DB } from '../store/db.js';

const STEPS = [
  `CREATE TABLE alerts (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL,               -- rule id + canonical group (engine's key)
     rule_id TEXT NOT NULL,
     rule_name TEXT NOT NULL,
     severity TEXT NOT NULL,          -- P1..P4
     technique TEXT,
     grp TEXT NOT NULL,               -- JSON object of dotted ECS keys -> strings
     agent TEXT,
     count INTEGER NOT NULL,
     first_seen TEXT NOT NULL,        -- RFC 3339 event time
     last_seen TEXT NOT NULL,
     last_seen_ms INTEGER NOT NULL,
     evidence TEXT NOT NULL,          -- JSON array of event ids / offsets (bounded)
     status TEXT NOT NULL,            -- open | acknowledged | resolved
     silence_id INTEGER,              -- matching silence when last changed, else NULL
     opened_at INTEGER NOT NULL,      -- wall clock ms
     updated_at INTEGER NOT NULL,
     acknowledged_at INTEGER, acknowledged_by TEXT,
     resolved_at INTEGER, resolved_by TEXT,
     escalated_at INTEGER
   );
   CREATE UNIQUE INDEX alerts_one_open ON alerts(key) WHERE status <> 'resolved';
   CREATE INDEX alerts_rule ON alerts(rule_id, id);
   CREATE INDEX alerts_status ON alerts(status, severity, opened_at);
   CREATE INDEX alerts_agent ON alerts(agent, id);
   CREATE TABLE alert_history (
     id INTEGER PRIMARY KEY,
     alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
     at INTEGER NOT NULL,             -- wall clock ms
     who TEXT NOT NULL,               -- API token name or 'system'
     action TEXT NOT NULL,            -- opened | acknowledged | resolved | escalated
     status TEXT NOT NULL             -- the alert's status after the action
   );
   CREATE INDEX alert_history_alert ON alert_history(alert_id, id);
   CREATE INDEX alert_history_action ON alert_history(action, at);
   CREATE TABLE silences (
     id INTEGER PRIMARY KEY,
     matchers TEXT NOT NULL,          -- JSON object, see silences/match.ts
     reason TEXT NOT NULL,
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     expired_by TEXT
   );
   CREATE INDEX silences_expiry ON silences(expires_at);`,
];

export function migrateAlerts(db: DB): void {
  migrate(db, 'alerts', STEPS);
}
