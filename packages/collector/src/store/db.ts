/**
 * Opens the collector's SQLite database (better-sqlite3, WAL) and runs schema migrations.
 * Each store module owns its tables and its own ordered list of migration steps, recorded
 * per module in `schema_migrations`, so modules evolve independently and never renumber.
 * Write transactions begin IMMEDIATE by default (the writer thread has its own connection).
 */
import Database from 'better-sqlite3';
import { privateDatabase, type Logger } from '@vigil/proto';

export type DB = Database.Database;

/**
 * Per-connection settings of every connection that writes (the main one here and the
 * ingest writer thread's, store/writer/worker.ts); the rest is persistent in the file.
 */
export const WRITER_PRAGMAS = [
  'synchronous = NORMAL', // WAL + NORMAL: durable across process crashes
  'foreign_keys = ON',
  'cache_size = -65536', // 64 MiB: the events indexes' hot pages stay in memory under ingest
  'temp_store = MEMORY',
  // A backstop only (16384 pages: 256 MiB at 16 KiB pages): the checkpointer thread
  // (store/checkpointer.ts) checkpoints every second while commits go on.
  'wal_autocheckpoint = 16384',
];

/**
 * Opens (creating if needed) a database. A writable file gets a 0700 folder and mode 0600,
 * created before SQLite opens it, so its -wal and -shm are 0600 too; wider modes are
 * tightened (logged to `log`).
 */
export function openDatabase(file: string, opts: { readonly?: boolean; log?: Logger } = {}): DB {
  if (file !== ':memory:' && !opts.readonly) privateDatabase(file, opts.log);
  const db = new Database(file, { readonly: opts.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) {
    // 16 KiB pages for a new file (ignored for an existing one): fewer, fuller pages per
    // commit under append-heavy ingest (measured +6% end to end over 4 KiB).
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    for (const p of WRITER_PRAGMAS) db.pragma(p);
    immediateByDefault(db);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (module, version))`);
  return db;
}

/**
 * The writer thread's connection (store/writer/worker.ts) to a file opened and migrated
 * before: the settings of every writing connection, transactions IMMEDIATE.
 */
export function openWriter(file: string): DB {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  for (const p of WRITER_PRAGMAS) db.pragma(p);
  immediateByDefault(db);
  return db;
}

/**
 * Makes the main thread's connection of a file database refuse writes (SQLITE_READONLY from
 * any INSERT/UPDATE/DELETE on it): after migrations every write goes through the write queue
 * (store/writer/), so a stray write fails loudly instead of racing the writer thread.
 */
export function refuseWrites(db: DB): void {
  if (!db.memory) db.pragma('query_only = ON');
}

/**
 * Makes `db.transaction(fn)()` begin IMMEDIATE: the ingest writer thread commits on its own
 * connection, and a deferred transaction that reads and then writes would fail with
 * SQLITE_BUSY (no busy wait on a lock upgrade) whenever that writer committed in between.
 * An immediate one waits for the lock (busy_timeout) up front instead. Nested calls still
 * become savepoints; `.deferred()` stays available.
 */
function immediateByDefault(db: DB): void {
  const make = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => make(fn).immediate) as DB['transaction'];
}

/** A migration step: SQL text or a function; steps are applied in order, once each. */
export type MigrationStep = string | ((db: DB) => void);

export function migrate(db: DB, module: string, steps: MigrationStep[]): void {
  const current = db.prepare('SELECT MAX(version) AS v FROM schema_migrations WHERE module = ?');
  const record = db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)');
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    // IMMEDIATE: takes the write lock before re-reading the version, so two processes
    // opening the same file at once (collector and CLI) never apply a step twice.
    db.transaction(() => {
      const done = (current.get(module) as { v: number | null }).v ?? 0;
      if (done > i) return;
      if (typeof step === 'string') db.exec(step);
      else step(db);
      record.run(module, i + 1, Date.now());
    }).immediate();
  }
}
