/**
 * Moves WAL checkpoints off the ingest path: a worker thread with its own connection runs
 * PASSIVE checkpoints (never blocking writers or readers) after commits, one at a time and
 * at most one per `intervalMs`, so an index page rewritten by many commits is copied back
 * once per interval. The writers' wal_autocheckpoint stays as a backstop; checkpoints never
 * change what is committed.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

// An eval worker, so the same code runs from src (tests) and dist; better-sqlite3 is
// resolved here and passed in by path.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  let error = null;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { error = String(err && err.message || err); }
  parentPort.postMessage({ error });
});
`;

export interface CheckpointerOptions {
  /** Called with the message of a checkpoint that failed (the next one retries). */
  onError?(message: string): void;
  /** Least time between two checkpoint starts (default 1000 ms); requests in between fold. */
  intervalMs?: number;
}

export class Checkpointer {
  private readonly worker: Worker;
  private running = false;
  private again = false;
  private closed = false;
  private lastStart = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** Checkpoints completed; for tests and diagnostics. */
  done = 0;

  constructor(file: string, private readonly opts: CheckpointerOptions = {}) {
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, sqlite } });
    this.worker.unref();
    this.worker.on('message', (m: { error: string | null }) => {
      this.running = false;
      this.done++;
      if (m.error) this.opts.onError?.(m.error);
      if (this.again) { this.again = false; this.request(); }
    });
    this.worker.on('error', (err) => { this.closed = true; this.opts.onError?.(err.message); });
  }

  /** Asks for a checkpoint after a commit; requests while one runs fold into one more. */
  request(): void {
    if (this.closed || this.timer) return;
    if (this.running) { this.again = true; return; }
    const wait = this.lastStart + (this.opts.intervalMs ?? 1000) - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => { this.timer = undefined; this.request(); }, wait);
      this.timer.unref();
      return;
    }
    this.running = true;
    this.lastStart = Date.now();
    this.worker.postMessage('run');
  }

  /** Stops the worker after any checkpoint in progress; the database stays consistent either way. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.worker.ref(); // keep the process alive until the worker has gone
    this.worker.postMessage('close');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { void this.worker.terminate().then(() => resolve()); }, 2000);
      t.unref();
      this.worker.once('exit', () => { clearTimeout(t); resolve(); });
    });
  }
}
