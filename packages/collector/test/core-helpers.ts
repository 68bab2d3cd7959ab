/**
 * Shared helpers for the core's tests: temporary data dirs, a real collector listening on
 * 127.0.0.1:0, a core over a temp database file, and a real WebSocket agent client that
 * records the frames it receives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createLogger, decodeCollectorFrame, encodeAgentFrame, type AgentFrame, type CollectorFrame, type Logger } from '@vigil/proto';
import { Bus, type CollectorContext } from '../src/context.js';
import { openDatabase } from '../src/store/db.js';
import { createCore } from '../src/core.js';
import { openWriteQueue } from '../src/store/writer/open.js';
import type { WorkerWriteQueueOptions } from '../src/store/writer/thread.js';
import { validateConfig } from '../src/config/load.js';
import { startCollector, type RunningCollector } from '../src/server.js';
import { DB_FILE, migrateCore } from '../src/store/schema.js';
import { createEventStore } from '../src/store/events.js';
import type { BucketTemplates } from '../src/store/field-templates.js';

export const quietLog = createLogger('silent');

/** A logger that keeps every line (all levels) for a test to look at. */
export function captureLog(): Logger & { lines: Array<{ msg: string; extra?: Record<string, unknown> }> } {
  const lines: Array<{ msg: string; extra?: Record<string, unknown> }> = [];
  const put = (msg: string, extra?: Record<string, unknown>) => { lines.push({ msg, extra }); };
  const log = { lines, debug: put, info: put, warn: put, error: put, child: () => log };
  return log;
}

export function tempDir(prefix = 'vigil-core-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A migrated database file with an event store on it (writer and reader the same connection). */
export function testEventStore(templates?: BucketTemplates) {
  const t = tempDir();
  const db = openDatabase(join(t.dir, DB_FILE));
  migrateCore(db);
  return { db, events: createEventStore(db, db, templates), close: () => { db.close(); t.cleanup(); } };
}

export function testCore(dir: string, config: Record<string, unknown> = {}, now: () => number = Date.now, writer: WorkerWriteQueueOptions = {}) {
  const db = openDatabase(join(dir, DB_FILE));
  const ctx: CollectorContext = { db, writer: openWriteQueue(db, { now, ...writer }), dataDir: dir, config: validateConfig(config), bus: new Bus(), now, log: quietLog };
  const core = createCore(ctx, { file: join(dir, DB_FILE), throttle: { freeFailures: 1000 } });
  return { ctx, core, close: async () => { await core.close(); await ctx.writer.close(); db.close(); } };
}

export async function testCollector(dir: string, config: Record<string, unknown> = {}): Promise<RunningCollector> {
  return startCollector({ host: '127.0.0.1', port: 0, dataDir: dir, config: validateConfig(config), log: quietLog, throttle: { freeFailures: 1000 } });
}

/** A real agent-side WebSocket: frames received are queued for next(). */
export class AgentClient {
  readonly frames: CollectorFrame[] = [];
  private waiters: Array<(f: CollectorFrame) => void> = [];
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = decodeCollectorFrame(data as Buffer);
      const w = this.waiters.shift();
      if (w) w(f); else this.frames.push(f);
    });
    this.closed = new Promise((r) => ws.on('close', (code, reason) => { this.closeCode = code; this.closeReason = reason.toString(); r(); }));
  }

  static connect(url: string, headers: Record<string, string>, opts: WebSocket.ClientOptions = {}): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ingest`, { headers, ...opts });
      const client = new AgentClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(frame: AgentFrame): void { this.ws.send(encodeAgentFrame(frame)); }

  next(timeoutMs = 5000): Promise<CollectorFrame> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
      this.waiters.push((fr) => { clearTimeout(t); resolve(fr); });
    });
  }

  close(): Promise<void> { this.ws.close(); return this.closed; }
}

export const line = (offset: number, text: string, type = 'auth', path = '/var/log/auth.log') =>
  ({ timeMs: Date.now(), line: { type, path, offset, text } });
