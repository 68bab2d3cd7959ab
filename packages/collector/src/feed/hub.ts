/**
 * The feed hub: turns every ctx.bus 'alert' change into a feed-log entry (a write command)
 * and hands it, once stored, to each connected subscriber, sends heartbeats to all and drops stalled ones. One hub per
 * collector; SSE and WebSocket clients register here alike.
 */
import type { AlertChange, CollectorContext } from '../context.js';
import type { Alert } from '../model.js';
import { FeedLog } from './log.js';
import { FeedSubscriber, type FeedTransport } from './subscriber.js';

export interface FeedOptions {
  /** Entries kept for resuming clients (default 10000). */
  keep?: number;
  heartbeatMs?: number;   // default 15 s
  stallMs?: number;       // default 30 s
}

export class FeedHub {
  readonly log: FeedLog;
  private readonly subs = new Set<FeedSubscriber>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onAlert;
  private readonly stallMs: number;
  /** Clients dropped for not reading. */
  dropped = 0;

  constructor(private readonly ctx: CollectorContext, opts: FeedOptions = {}) {
    this.log = new FeedLog(ctx.db);
    this.stallMs = opts.stallMs ?? 30_000;
    const keep = opts.keep ?? 10_000;
    // Appends are write commands: their entries come back, and are published, in queue order.
    this.onAlert = (alert: Alert, change: AlertChange) => {
      ctx.writer.run('feed.append', { alert, change, now: ctx.now(), keep }).then((entry) => {
        for (const s of this.subs) s.publish(entry);
      }, (err: Error) => ctx.log.error('feed: alert change not logged', { alert: alert.id, error: err.message }));
    };
    ctx.bus.on('alert', this.onAlert);
    const hb = setInterval(() => this.heartbeat(), opts.heartbeatMs ?? 15_000);
    const stall = setInterval(() => {
      for (const s of this.subs) {
        if (s.checkStall()) { this.subs.delete(s); this.dropped++; ctx.log.warn('feed: slow client dropped'); }
      }
    }, Math.min(1000, this.stallMs));
    hb.unref(); stall.unref();
    this.timers.push(hb, stall);
  }

  /** Registers a client and sends its backlog; call `remove` when its connection ends. */
  add(t: FeedTransport, filter: (a: Alert) => boolean, resumeAfter: number | undefined): FeedSubscriber {
    const s = new FeedSubscriber(this.log, t, filter, resumeAfter, () => this.ctx.now(), this.stallMs);
    this.subs.add(s);
    s.start();
    return s;
  }

  remove(s: FeedSubscriber): void {
    this.subs.delete(s);
    s.closed = true;
  }

  get size(): number {
    return this.subs.size;
  }

  private heartbeat(): void {
    for (const s of this.subs) if (!s.closed) s.heartbeat();
  }

  stop(): void {
    this.ctx.bus.off('alert', this.onAlert);
    for (const t of this.timers) clearInterval(t);
    for (const s of this.subs) s.close('collector shutting down');
    this.subs.clear();
  }
}
