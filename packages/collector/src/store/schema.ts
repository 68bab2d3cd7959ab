/**
 * The core store's tables and their migration steps (module 'core'): events (compact rows,
 * see event-row.ts) with their per-kind totals, the agent registry with per-instance
 * sequence high-water marks, API and agent tokens, and a revision row that triggers bump
 * whenever tokens change, so a running collector notices tokens the CLI creates or revokes.
 * Events by address and by user are indexed per id bucket (store/buckets.ts), summarised
 * per bucket (store/event-keys.ts); field templates hold what template-form rows share,
 * per bucket.
 */
import { migrate, type DB, type MigrationStep } from './db.js';
import { BUCKET_BITS } from './buckets.js';

const STEPS: MigrationStep[] = [
  `CREATE TABLE IF NOT EXISTS events (
     id INTEGER PRIMARY KEY,
     agent TEXT NOT NULL,
     seq INTEGER NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('log','metric','container','probe','loss','audit')),
     ts INTEGER NOT NULL,
     ingested INTEGER NOT NULL,
     type TEXT, source_ip TEXT, user_name TEXT, outcome TEXT, action TEXT, message TEXT,
     fields TEXT NOT NULL);
   CREATE INDEX IF NOT EXISTS events_agent_id ON events (agent, id);
   CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
   CREATE INDEX IF NOT EXISTS events_source_ip ON events (source_ip) WHERE source_ip IS NOT NULL;
   CREATE INDEX IF NOT EXISTS events_user_name ON events (user_name) WHERE user_name IS NOT NULL;
   CREATE INDEX IF NOT EXISTS events_kind_ts ON events (kind, ts);
   CREATE TABLE IF NOT EXISTS event_totals (kind TEXT PRIMARY KEY, n INTEGER NOT NULL);
   INSERT OR IGNORE INTO event_totals (kind, n) VALUES
     ('log',0),('metric',0),('container',0),('probe',0),('loss',0),('audit',0);`,
  `CREATE TABLE IF NOT EXISTS agents (
     name TEXT PRIMARY KEY,
     version TEXT, host TEXT, instance_id TEXT, boot_id TEXT,
     first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
     connected INTEGER NOT NULL DEFAULT 0,
     clock_skew_ms INTEGER, lag_ms INTEGER,
     lines_read INTEGER NOT NULL DEFAULT 0, bytes_read INTEGER NOT NULL DEFAULT 0,
     events_dropped INTEGER NOT NULL DEFAULT 0, lines_truncated INTEGER NOT NULL DEFAULT 0,
     stats TEXT);
   CREATE TABLE IF NOT EXISTS agent_instances (
     agent TEXT NOT NULL, instance_id TEXT NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL,
     PRIMARY KEY (agent, instance_id));`,
  `CREATE TABLE IF NOT EXISTS tokens (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('agent','api')),
     role TEXT CHECK (role IS NULL OR role IN ('viewer','admin')),
     hash BLOB NOT NULL,
     created INTEGER NOT NULL, last_used INTEGER, revoked INTEGER);
   CREATE INDEX IF NOT EXISTS tokens_name ON tokens (name);
   CREATE TABLE IF NOT EXISTS revisions (name TEXT PRIMARY KEY, rev INTEGER NOT NULL);
   INSERT OR IGNORE INTO revisions (name, rev) VALUES ('tokens', 0);
   CREATE TRIGGER IF NOT EXISTS tokens_rev_insert AFTER INSERT ON tokens
     BEGIN UPDATE revisions SET rev = rev + 1 WHERE name = 'tokens'; END;
   CREATE TRIGGER IF NOT EXISTS tokens_rev_revoke AFTER UPDATE OF revoked ON tokens
     BEGIN UPDATE revisions SET rev = rev + 1 WHERE name = 'tokens'; END;
   CREATE TRIGGER IF NOT EXISTS tokens_rev_delete AFTER DELETE ON tokens
     BEGIN UPDATE revisions SET rev = rev + 1 WHERE name = 'tokens'; END;`,
  // Compact rows (store/event-row.ts): `shape` says which fields members the columns hold.
  // Log lines are nearly every row and are paged by id, so only other kinds keep a (kind, ts) index.
  `ALTER TABLE events ADD COLUMN shape INTEGER NOT NULL DEFAULT 0;
   DROP INDEX IF EXISTS events_kind_ts;
   CREATE INDEX IF NOT EXISTS events_kind_ts_other ON events (kind, ts) WHERE kind <> 'log';`,
  // Address and user lookups through id-bucketed indexes (store/buckets.ts): a plain index on
  // random addresses makes every commit rewrite pages all over it, slower as the table grows.
  `DROP INDEX IF EXISTS events_source_ip;
   DROP INDEX IF EXISTS events_user_name;
   CREATE INDEX IF NOT EXISTS events_source_ip_b ON events ((id >> ${BUCKET_BITS}), source_ip) WHERE source_ip IS NOT NULL;
   CREATE INDEX IF NOT EXISTS events_user_name_b ON events ((id >> ${BUCKET_BITS}), user_name) WHERE user_name IS NOT NULL;`,
  // Field templates (store/field-templates.ts): what rows in template form share, once.
  `CREATE TABLE IF NOT EXISTS field_templates (id INTEGER PRIMARY KEY, body TEXT NOT NULL);`,
];

/**
 * Module 'buckets': what lives and dies with an id bucket (store/buckets.ts), the bucket's
 * field templates and its summary.
 */
const BUCKET_STEPS: MigrationStep[] = [
  // Templates per id bucket (retention drops a bucket's with its last rows). Templates of an
  // older database go to its newest bucket: they stay until every row written before is gone.
  `CREATE TABLE field_templates_b (bucket INTEGER NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,
     PRIMARY KEY (bucket, id)) WITHOUT ROWID;
   INSERT INTO field_templates_b (bucket, id, body)
     SELECT coalesce((SELECT max(id) FROM events), 0) >> ${BUCKET_BITS}, id, body FROM field_templates;
   DROP TABLE field_templates;
   ALTER TABLE field_templates_b RENAME TO field_templates;
   CREATE INDEX field_templates_id ON field_templates (id);`,
  // The summary (store/event-keys.ts): rows per bucket, kind and agent, type, address or
  // user (those of log rows once a bucket is sealed: all but the newest), and per bucket
  // and kind the @timestamp span; lookups by type get an index. An older database's rows
  // are counted in once here.
  `CREATE TABLE event_keys (bucket INTEGER NOT NULL, kind TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
     n INTEGER NOT NULL, PRIMARY KEY (bucket, kind, field, value)) WITHOUT ROWID;
   CREATE TABLE event_spans (bucket INTEGER NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL,
     min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, PRIMARY KEY (bucket, kind)) WITHOUT ROWID;
   CREATE INDEX IF NOT EXISTS events_type_id ON events (type, id) WHERE type IS NOT NULL;
   INSERT INTO event_spans (bucket, kind, n, min_ts, max_ts)
     SELECT id >> ${BUCKET_BITS}, kind, count(*), min(ts), max(ts) FROM events GROUP BY 1, 2;
   INSERT INTO event_keys (bucket, kind, field, value, n)
     SELECT id >> ${BUCKET_BITS}, kind, 'agent', agent, count(*) FROM events GROUP BY 1, 2, 4;
   INSERT INTO event_keys (bucket, kind, field, value, n)
     SELECT id >> ${BUCKET_BITS}, kind, 'type', type, count(*) FROM events WHERE type IS NOT NULL GROUP BY 1, 2, 4;
   CREATE TABLE event_seal (below INTEGER NOT NULL);
   INSERT INTO event_seal (below) SELECT coalesce(max(id) >> ${BUCKET_BITS}, 0) FROM events;
   INSERT INTO event_keys (bucket, kind, field, value, n)
     SELECT id >> ${BUCKET_BITS}, kind, 'source.ip', source_ip, count(*) FROM events
     WHERE source_ip IS NOT NULL AND (kind <> 'log' OR id >> ${BUCKET_BITS} < (SELECT below FROM event_seal)) GROUP BY 1, 2, 4;
   INSERT INTO event_keys (bucket, kind, field, value, n)
     SELECT id >> ${BUCKET_BITS}, kind, 'user.name', user_name, count(*) FROM events
     WHERE user_name IS NOT NULL AND (kind <> 'log' OR id >> ${BUCKET_BITS} < (SELECT below FROM event_seal)) GROUP BY 1, 2, 4;`,
  // The highest event id ever given (retention may empty the table: ids never go back, so
  // buckets, seals and id cursors such as compliance's stay ahead of every id used before).
  `CREATE TABLE IF NOT EXISTS event_ids (last INTEGER NOT NULL);
   INSERT INTO event_ids (last) SELECT coalesce(max(id), 0) FROM events;`,
  // The key of template ids (store/field-templates.ts templateId): made once per database.
  `CREATE TABLE IF NOT EXISTS store_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL);
   INSERT OR IGNORE INTO store_keys (name, key) VALUES ('templates', randomblob(32));`,
];

/** Creates or upgrades the core tables; idempotent, safe while another process runs. */
export function migrateCore(db: DB): void {
  migrate(db, 'core', STEPS);
  migrate(db, 'buckets', BUCKET_STEPS);
}

/** The database file inside the collector's --data directory. */
export const DB_FILE = 'vigil.db';
