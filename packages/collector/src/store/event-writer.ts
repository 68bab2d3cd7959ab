/**
 * The ingest writer thread: its own connection commits pre-encoded event batches (rows may
 * come ahead in parts), each in ONE immediate transaction that checks the agent instance's
 * high-water mark, inserts the templates and the rows with their pre-assigned ids, bumps
 * the per-kind totals and the summary (store/event-keys.ts) and moves the mark; in the order sent. A barrier parks it between two
 * transactions while the main thread writes; a thread that dies fails its jobs and is
 * replaced (up to 5 times a minute).
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { EventKind } from '../model.js';
import { HWM_SQL } from './agents.js';
import { WRITER_PRAGMAS } from './db.js';
import { BUMP_TOTAL_SQL, INSERT_EVENT_SQL, ROW_WIDTH } from './row-columns.js';
import { PUT_TEMPLATE_SQL } from './field-templates.js';
import { KEY_WIDTH, PUT_KEY_SQL, PUT_SPAN_SQL, SEAL_SQL, SEALED_BELOW_SQL, SPAN_WIDTH } from './event-keys.js';

/** The longest the thread stays parked at a barrier. */
const BARRIER_WAIT_MS = 10_000;

// A row's values as separate arguments (v[i], v[i + 1], ...): better-sqlite3 binds them
// faster than an array it must read element by element (about 0.3 us a row less).
const ROW_ARGS = Array.from({ length: ROW_WIDTH }, (_, j) => (j === 0 ? 'v[i]' : `v[i + ${j}]`)).join(', ');

// An eval worker, so the same code runs from src (tests) and dist; better-sqlite3 is
// resolved here and passed in by path, the SQL text comes from the store modules.
const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const Database = require(w.sqlite);
const db = new Database(w.file);
for (const p of w.pragmas) db.pragma(p);
const insert = db.prepare(w.sql.insert);
const putTemplate = db.prepare(w.sql.template);
const bump = db.prepare(w.sql.bump);
const putKey = db.prepare(w.sql.key);
const putSpan = db.prepare(w.sql.span);
const seal = w.sql.seal.map((s) => db.prepare(s));
const sealedBelow = db.prepare(w.sql.below).pluck();
const getSeq = db.prepare(w.sql.get).pluck();
const setSeq = db.prepare(w.sql.set);
const seen = db.prepare(w.sql.seen);
const W = w.width;
const commit = db.transaction((m) => {
  if (m.instance !== null) {
    const stored = getSeq.get(m.agent, m.instance) ?? 0;
    if (stored !== m.expect) throw new Error('high-water mark moved: expected ' + m.expect + ', stored ' + stored);
  }
  for (const t of m.templates) putTemplate.run(t);
  for (const v of m.chunks) {
    for (let i = 0; i < v.length; i += W) insert.run(${ROW_ARGS});
  }
  for (const [kind, n] of m.totals) bump.run(n, kind);
  const k = m.keys, s = m.spans;
  for (let i = 0; i < k.length; i += ${KEY_WIDTH}) putKey.run(k[i], k[i + 1], k[i + 2], k[i + 3], k[i + 4]);
  for (let i = 0; i < s.length; i += ${SPAN_WIDTH}) putSpan.run(s[i], s[i + 1], s[i + 2], s[i + 3], s[i + 4]);
  const below = sealedBelow.get();
  if (below < m.seal) for (const st of seal) st.run({ below, first: m.seal });
  if (m.instance !== null && m.ack > m.expect) {
    setSeq.run(m.ack, m.agent, m.instance);
    seen.run(m.now, m.lag, m.agent);
  }
});
const gate = new Int32Array(w.gate);
let parts = []; // rows sent ahead of their job
parentPort.on('message', (m) => {
  if (Array.isArray(m)) { parts.push(m); return; }
  if (m === 'discard') { parts = []; return; }
  if (m === 'close') { db.close(); parentPort.close(); return; }
  if (m === 'barrier') {
    // Parked outside any transaction until the main thread has written (bounded wait: if it
    // never answers, commits go on and its write meets the lock's busy timeout instead).
    parentPort.postMessage(null);
    Atomics.wait(gate, 0, 0, ${BARRIER_WAIT_MS});
    Atomics.store(gate, 0, 0);
    return;
  }
  let error = null;
  const got = parts.length;
  m.chunks = parts; parts = [];
  m.chunks.push(m.values);
  try {
    if (got !== m.parts) throw new Error('rows of the batch went missing (' + got + ' of ' + m.parts + ' parts arrived)');
    commit.immediate(m);
  } catch (err) { error = String(err && err.message || err); }
  parentPort.postMessage(error);
});
`;

/** One batch for the writer: rows as flat column values and, for agent batches, the mark. */
export interface WriteJob {
  agent: string;
  /** The agent instance whose high-water mark moves; null for rows outside any sequence (audit). */
  instance: string | null;
  /** The mark the rows were decided against; the job fails if the stored one differs. */
  expect: number;
  /** The new mark (kept when not above `expect`). */
  ack: number;
  lag: number | null;
  now: number;
  /** The last rows (all of them unless some were sent ahead with part()). */
  values: unknown[];
  totals: Array<[EventKind, number]>;
  /** The field templates the rows use (bucket, id, body); stored first, once. */
  templates: Array<[number, number, string]>;
  /** The rows' summary counts (BatchKeys.keys() and .spans(), store/event-keys.ts). */
  keys: unknown[];
  spans: unknown[];
  /** The bucket of the job's first row: the buckets below it are sealed (SEAL_SQL). */
  seal: number;
}

/** The writer connection's settings: those of every writing connection (store/db.ts). */
const PRAGMAS = ['busy_timeout = 5000', ...WRITER_PRAGMAS];

/** More restarts than this within RESTART_WINDOW_MS and the writer stays down (a crash loop). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export interface EventWriterOptions {
  /** The thread died and a new one took over; the jobs it held failed with `reason`. */
  onRestart?(reason: string): void;
}

export class EventWriter {
  private worker: Worker;
  /** The parked thread waits on this word; the main thread sets it to let the thread go on. */
  private gate = new Int32Array(new SharedArrayBuffer(4));
  private barriers = 0;
  /** Parts sent since the last job or discard: the next job's. */
  private parts = 0;
  private readonly waiting: Array<(error: string | null) => void> = [];
  private failure: string | null = null;
  private closed = false;
  private readonly restarts: number[] = [];

  constructor(private readonly file: string, private readonly opts: EventWriterOptions = {}) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const sql = { insert: INSERT_EVENT_SQL, bump: BUMP_TOTAL_SQL, template: PUT_TEMPLATE_SQL, key: PUT_KEY_SQL, span: PUT_SPAN_SQL, seal: SEAL_SQL, below: SEALED_BELOW_SQL, ...HWM_SQL };
    this.gate = new Int32Array(new SharedArrayBuffer(4));
    const gate = this.gate.buffer;
    const w = new Worker(WORKER, { eval: true, workerData: { file: this.file, sqlite, sql, pragmas: PRAGMAS, width: ROW_WIDTH, gate } });
    w.unref();
    w.on('message', (error: string | null) => {
      const done = this.waiting.shift();
      if (this.waiting.length === 0) w.unref();
      done?.(error);
    });
    w.on('error', (err) => this.lost(w, `event writer failed: ${err.message}`));
    w.on('exit', () => this.lost(w, 'event writer stopped'));
    return w;
  }

  /**
   * The thread is gone: the jobs it held fail (none was acked; a job that did commit is a
   * duplicate when its agent resends). A new thread takes over, unless it keeps dying.
   */
  private lost(w: Worker, reason: string): void {
    if (w !== this.worker || this.failure) return; // an old thread, or already down for good
    for (const done of this.waiting.splice(0)) done(reason);
    if (this.closed) return;
    const now = Date.now();
    while (this.restarts.length && this.restarts[0] < now - RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length >= MAX_RESTARTS) { this.failure = `${reason} (${MAX_RESTARTS} restarts within a minute; not restarting)`; return; }
    this.restarts.push(now);
    this.worker = this.spawn();
    this.opts.onRestart?.(reason);
  }

  /** Jobs and barriers sent and not answered yet. */
  get pending(): number { return this.waiting.length; }

  /** Batches sent and not answered yet (barriers left out). */
  get batches(): number { return this.waiting.length - this.barriers; }

  /**
   * Runs `fn` (writes on another connection) once every job sent before has committed and
   * before any sent after begins: the thread parks between the two transactions and goes
   * on when `fn` returns. Runs `fn` at once when the writer is down or idle.
   */
  barrier(fn: () => void): void {
    if (this.failure || this.closed || this.waiting.length === 0) return fn();
    const gate = this.gate;
    this.barriers++;
    this.waiting.push(() => {
      this.barriers--;
      try { fn(); } finally { Atomics.store(gate, 0, 1); Atomics.notify(gate, 0); }
    });
    this.worker.postMessage('barrier');
  }

  /**
   * Sends rows of the next job ahead of it (a large batch, as it is encoded), so they need
   * not wait in this thread's heap; the job commits them with its own, or fails whole if
   * one went missing (the thread was replaced in between).
   */
  part(values: unknown[]): void {
    if (this.failure || this.closed) return;
    this.parts++;
    this.worker.postMessage(values);
  }

  /** Drops the parts sent since the last job (their batch failed before its job was sent). */
  discard(): void {
    if (this.parts === 0) return;
    this.parts = 0;
    if (!this.failure && !this.closed) this.worker.postMessage('discard');
  }

  /** Sends a job; `done` gets null once it committed, or the reason nothing of it was. */
  write(job: WriteJob, done: (error: string | null) => void): void {
    const parts = this.parts;
    this.parts = 0;
    if (this.failure || this.closed) return done(this.failure ?? 'event writer closed');
    if (this.waiting.length === 0) this.worker.ref(); // keep the process alive while a commit is in flight
    this.waiting.push(done);
    this.worker.postMessage({ ...job, parts });
  }

  /** Lets every job sent commit and answer, then stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.failure) return;
    this.worker.ref();
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    await exited;
  }
}
