/**
 * The worker-thread writer (main side): commands go in order to the writer thread
 * (worker.ts), which owns the only writing connection of a file database, and come back as
 * results or errors. A thread that dies fails the commands it held (none was answered; one
 * that did commit is a duplicate its agent resends) and is replaced, up to 5 times a minute.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../spawn-worker.js';
import { OrderedQueue } from './queue.js';
import type { FromWriter, ToWriter, WriterData } from './protocol.js';

/** More restarts than this within RESTART_WINDOW_MS and the writer stays down (a crash loop). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export interface WorkerWriteQueueOptions {
  /** The thread died and a new one took over; the commands it held failed with `reason`. */
  onRestart?(reason: string): void;
  /** Clock for the restart window (the injected one; default Date.now). */
  now?(): number;
}

interface InFlight { resolve(r: unknown): void; reject(e: Error): void }

export class WorkerWriteQueue extends OrderedQueue {
  private worker: Worker;
  private readonly inflight: InFlight[] = [];
  private failure: string | null = null;
  private readonly restarts: number[] = [];

  constructor(private readonly file: string, private readonly opts: WorkerWriteQueueOptions = {}) {
    super();
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const data: WriterData = { file: this.file };
    const w = spawnWorker(import.meta.url, 'worker', data);
    w.unref();
    w.on('message', (m: FromWriter) => {
      if (w !== this.worker) return; // a reply of a thread already replaced: its commands were failed
      const job = this.inflight.shift();
      if (this.inflight.length === 0) w.unref();
      if (!job) return;
      if (m.ok) job.resolve(m.result); else job.reject(new Error(m.error));
    });
    w.on('error', (err) => this.lost(w, `event writer failed: ${err.message}`));
    w.on('exit', () => this.lost(w, 'event writer stopped'));
    return w;
  }

  private lost(w: Worker, reason: string): void {
    if (w !== this.worker || this.failure) return; // an old thread, or already down for good
    for (const job of this.inflight.splice(0)) job.reject(new Error(reason));
    if (this.closed) { this.failure = reason; return; }
    const now = (this.opts.now ?? Date.now)();
    while (this.restarts.length && this.restarts[0] < now - RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length >= MAX_RESTARTS) { this.failure = `${reason} (${MAX_RESTARTS} restarts within a minute; not restarting)`; return; }
    this.restarts.push(now);
    this.worker = this.spawn();
    this.opts.onRestart?.(reason);
  }

  private postMessage(m: ToWriter): void { this.worker.postMessage(m); }

  protected post(op: string, args: unknown, parts: number): Promise<unknown> {
    if (this.failure) return Promise.reject(new Error(this.failure));
    return new Promise((resolve, reject) => {
      if (this.inflight.length === 0) this.worker.ref(); // keep the process alive while a command is in flight
      this.inflight.push({ resolve, reject });
      this.postMessage({ t: 'run', op, args, parts });
    });
  }

  protected postPart(values: unknown[]): void { if (!this.failure) this.postMessage({ t: 'part', values }); }
  protected postDiscard(): void { if (!this.failure) this.postMessage({ t: 'discard' }); }

  protected async stop(): Promise<void> {
    if (this.failure) return;
    const w = this.worker;
    w.ref();
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    this.postMessage({ t: 'close' });
    await exited;
  }
}
