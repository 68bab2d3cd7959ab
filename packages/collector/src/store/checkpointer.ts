/**
 * Moves WAL checkpoints off the ingest path: a worker thread with its own connection runs
 * PASSIVE checkpoints (never blocking writers or readers) after commits, one at a time and
 * at most one per `intervalMs`, so an index page rewritten by many commits is copied back
 * once per interval. The writers' wal_autocheckpoint stays as a backstop; checkpoints never
 * change what is committed. The thread is the typed module checkpoint-worker.ts.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from './spawn-worker.js';
import type { FromCheckpointer, ToCheckpointer } from './checkpoint-worker.js';

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
    this.worker = spawnWorker(import.meta.url, 'checkpoint-worker', { file });
    this.worker.unref();
    this.worker.on('message', (m: FromCheckpointer) => {
      this.running = false;
      this.done++;
      if (m.error) this.opts.onError?.(m.error);
      if (this.again) { this.again = false; this.request(); }
    });
    this.worker.on('error', (err) => { this.closed = true; this.opts.onError?.(err.message); });
  }

  private post(m: ToCheckpointer): void { this.worker.postMessage(m); }

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
    this.post('run');
  }

  /** Stops the worker after any checkpoint in progress; the database stays consistent either way. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.worker.ref(); // keep the process alive until the worker has gone
    this.post('close');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { void this.worker.terminate().then(() => resolve()); }, 2000);
      t.unref();
      this.worker.once('exit', () => { clearTimeout(t); resolve(); });
    });
  }
}
