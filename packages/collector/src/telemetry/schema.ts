/**
 * Telemetry tables (migration module 'telemetry') and the downsampling policy:
 *  - metric_raw: every sample as sent, kept 24 h (RAW_KEEP_MS);
 *  - metric_minute: 1-minute sums and counts (averages), kept 30 days (MINUTE_KEEP_MS),
 *    maintained on insert, so rolling up is only deleting raw rows past 24 h;
 *  - metric_latest / hosts: the newest value of each series and host, for /api/hosts and /metrics;
 *  - container_state: the current state of each (agent, container);
 *  - container_events: each container's lifecycle events (ECS fields), kept 30 days.
 */
import { migrate, type DB } from '../store/db.js';

export const RAW_KEEP_MS = 24 * 3600_000;
export const MINUTE_KEEP_MS = 30 * 24 * 3600_000;
export const EVENTS_KEEP_MS = 30 * 24 * 3600_000;

export function migrateTelemetry(db: DB): void {
  migrate(db, 'telemetry', [
    `CREATE TABLE metric_raw (agent TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL,
       ts INTEGER NOT NULL, value REAL NOT NULL);
     CREATE INDEX metric_raw_series ON metric_raw (agent, name, ts);
     CREATE INDEX metric_raw_ts ON metric_raw (ts);
     CREATE TABLE metric_minute (agent TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL,
       minute INTEGER NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
       PRIMARY KEY (agent, name, labels, minute)) WITHOUT ROWID;
     CREATE INDEX metric_minute_ts ON metric_minute (minute);
     CREATE TABLE metric_latest (agent TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL,
       ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (agent, name, labels)) WITHOUT ROWID;
     CREATE TABLE hosts (agent TEXT PRIMARY KEY, host_name TEXT, last_sample INTEGER NOT NULL);
     CREATE TABLE container_state (agent TEXT NOT NULL, id TEXT NOT NULL, name TEXT, image TEXT,
       state TEXT, health TEXT, restart_count INTEGER, exit_code INTEGER, oom_killed INTEGER,
       cpu_pct REAL, memory_usage INTEGER, memory_limit INTEGER, labels TEXT,
       started_at INTEGER, finished_at INTEGER, removed INTEGER NOT NULL DEFAULT 0,
       updated INTEGER NOT NULL, PRIMARY KEY (agent, id));
     CREATE TABLE container_events (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL,
       agent TEXT NOT NULL, container_id TEXT NOT NULL, ts INTEGER NOT NULL, fields TEXT NOT NULL);
     CREATE INDEX container_events_cid ON container_events (container_id, ts);
     CREATE INDEX container_events_ts ON container_events (ts);`,
  ]);
}
