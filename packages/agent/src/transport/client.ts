/**
 * Keeps the agent connected to the collector: one Session at a time, reconnecting with
 * exponential backoff and jitter after any close (refused token, collector restart, dead
 * network); backoff resets once a Welcome arrives. Wakes the session when the outbox
 * grows, and on stop flushes what it can before closing.
 */
import { EventEmitter } from 'node:events';
import type { AgentStats, Logger } from '@vigil/proto';
import type { Outbox } from '../outbox/outbox.js';
import { Backoff } from '../util/backoff.js';
import { processUsage } from './hello.js';
import { Session } from './session.js';

export interface TransportOptions {
  /** ws:// or wss:// base URL; `/ingest` is appended. */
  url: string;
  token: string;
  name: string;
  version: string;
  outbox: Outbox;
  log: Logger;
  /** PEM of a private CA to trust for wss://. */
  ca?: string | Buffer;
  lingerMs?: number;          // default 20
  heartbeatMs?: number;       // default 5000
  maxFrameBytes?: number;     // default 1 MiB
  windowFrames?: number;      // default 8
  windowBytes?: number;       // default 8 MiB
  backoffMinMs?: number;      // default 250
  backoffMaxMs?: number;      // default 30000
}

export class Transport extends EventEmitter {
  private session: Session | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly backoff: Backoff;
  private readonly usage = processUsage();

  constructor(private readonly o: TransportOptions) {
    super();
    this.backoff = new Backoff(o.backoffMinMs ?? 250, o.backoffMaxMs ?? 30_000);
  }

  get connected(): boolean { return this.session?.ready ?? false; }

  start(): void {
    this.stopped = false;
    this.o.outbox.onAppend = () => this.session?.wake();
    this.connect();
  }

  private stats(): AgentStats {
    return { ...this.o.outbox.stats(), ...this.usage() };
  }

  private connect(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const s = new Session({
      url: this.o.url, token: this.o.token, name: this.o.name, version: this.o.version, ca: this.o.ca,
      outbox: this.o.outbox, log: this.o.log, stats: () => this.stats(),
      lingerMs: this.o.lingerMs ?? 20, heartbeatMs: this.o.heartbeatMs ?? 5000,
      maxFrameBytes: this.o.maxFrameBytes ?? 1024 * 1024,
      windowFrames: this.o.windowFrames ?? 8, windowBytes: this.o.windowBytes ?? 8 * 1024 * 1024,
    });
    this.session = s;
    s.on('welcome', (seq: number) => { this.backoff.reset(); this.emit('welcome', seq); });
    s.on('ack', (seq: number) => this.emit('ack', seq));
    s.on('rejected', (status: number) => this.emit('rejected', status));
    s.on('refusal', (reason: string) => this.emit('refusal', reason));
    let lastError: string | undefined;
    s.on('neterror', (err: Error) => { lastError = err.message; });
    s.on('closed', (code: number, reason: string) => {
      if (this.session === s) this.session = undefined;
      this.emit('disconnected', code, reason);
      if (this.stopped) return;
      const delay = this.backoff.next();
      this.o.log.info('disconnected from the collector; reconnecting', { code, reason: reason || undefined, error: lastError, retry_ms: delay });
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  /** Sends what is queued and waits (up to timeoutMs) until the collector acked it all. */
  async flush(timeoutMs: number): Promise<boolean> {
    const target = this.o.outbox.nextSeq - 1;
    const deadline = Date.now() + timeoutMs;
    this.session?.pump();
    while (this.o.outbox.ackedSeq < target && Date.now() < deadline && this.connected) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(1, deadline - Date.now()));
        const self = this;
        function done(): void { clearTimeout(t); self.off('ack', done); self.off('disconnected', done); resolve(); }
        this.on('ack', done);
        this.on('disconnected', done);
      });
    }
    return this.o.outbox.ackedSeq >= target;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.o.outbox.onAppend = undefined;
    await this.session?.close();
    this.session = undefined;
  }
}
