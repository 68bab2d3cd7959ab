/**
 * Opens the outbox's SQLite file in the state dir (WAL; exclusive lock held by the kernel,
 * so a second agent on the same dir fails clearly while a SIGKILLed one leaves nothing
 * stale) and creates its three tables: rows (one per emit: first_seq, count, bytes, blob
 * of pre-encoded events), checkpoints, and meta (instance_id, sequence and loss counters).
 * The state dir is 0700 and the db 0600 (created before SQLite, so its WAL is 0600 too);
 * the WAL is checkpointed every 64 MiB and cut back to 64 MiB, so it never fills the disk.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { databaseFiles, privateDatabase, privateHome, type Logger } from '@vigil/proto';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rows (
  first_seq INTEGER PRIMARY KEY,
  count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  blob BLOB NOT NULL,
  loss INTEGER NOT NULL DEFAULT 0   -- 1: the row is one DataLoss event
);
CREATE TABLE IF NOT EXISTS checkpoints (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
`;

export const OUTBOX_FILE = 'outbox.db';
/** WAL bound: checkpoint after this many bytes of frames, and truncate it back to this size. */
export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;   // 1024 pages: 16 MiB measured 10-45% slower emits
const PAGE_SIZE = 65536;

/** Opens (creating if needed) the outbox db of a state dir and returns it with its meta. */
export function openOutboxDb(stateDir: string, log?: Logger): { db: Db; meta: Map<string, number | string> } {
  privateHome(stateDir, databaseFiles(OUTBOX_FILE), log);
  const file = join(stateDir, OUTBOX_FILE);
  privateDatabase(file, log);
  const db = new Database(file, { timeout: 200 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // 64 KiB pages for a new file (an existing one keeps its size): an emit's blob spans
    // far fewer overflow pages, each a WAL frame to checksum, checkpoint and later free
    // (measured: agent CPU 2.2-2.45 s -> 1.85-2.0 s per 1M lines, end to end +1.5-3%).
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_LIMIT_BYTES / PAGE_SIZE}`);
    db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    db.exec(SCHEMA);
    const init = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
    db.transaction(() => {
      init.run('instance_id', randomUUID());
      for (const k of ['next_seq', 'acked_seq', 'dropped_events', 'dropped_bytes', 'loss_events', 'loss_bytes', 'loss_first', 'loss_last']) {
        init.run(k, k === 'next_seq' ? 1 : 0);
      }
    }).immediate();
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new Error(`state dir ${stateDir} is in use by another running agent`);
    }
    throw err;
  }
  const meta = new Map<string, number | string>();
  for (const r of db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: number | string }>) {
    meta.set(r.key, r.value);
  }
  return { db, meta };
}
