/**
 * One feed client, transport-agnostic. The feed log is the buffer: a caught-up client
 * gets each new entry written at once; a client whose transport pushes back stops
 * receiving, and on drain pulls what it missed from the log in pages. So per-client
 * memory stays bounded (the transport's buffer plus one page); a client stalled longer
 * than stallMs is dropped and resumes later with Last-Event-ID. If its position has been
 * trimmed from the log it is told so with a `gap` notice, never silently skipped.
 */
import type { Alert } from '../model.js';
import type { FeedEntry, FeedLog } from './log.js';

export interface FeedTransport {
  /** Writes one entry; false when the transport's buffer is full (wait for onDrain). */
  sendEntry(e: FeedEntry): boolean;
  /** Tells the client entries from..to are gone from the log. */
  sendGap(from: number, to: number): boolean;
  /** Registers the drain callback (called once per backpressure episode). */
  onDrain(cb: () => void): void;
  /** Keeps idle connections (and proxies) alive. */
  heartbeat(): void;
  close(reason: string): void;
}

const PAGE = 200;

export class FeedSubscriber {
  private position: number;       // last sequence number handled (sent or filtered out)
  private behind = false;         // entries after `position` are waiting in the log
  private blockedSince: number | undefined;
  closed = false;

  constructor(
    private readonly log: FeedLog,
    private readonly t: FeedTransport,
    private readonly filter: (a: Alert) => boolean,
    resumeAfter: number | undefined,
    private readonly now: () => number,
    private readonly stallMs: number,
  ) {
    this.position = resumeAfter ?? log.lastSeq();
    this.behind = resumeAfter !== undefined;
    t.onDrain(() => { this.blockedSince = undefined; this.catchUp(); });
  }

  /** Sends the backlog (a resume) synchronously, before any live entry can arrive. */
  start(): void {
    if (this.behind) this.catchUp();
  }

  /** A new entry was appended to the log. */
  publish(e: FeedEntry): void {
    if (this.closed || e.seq <= this.position) return; // already read from the log (stored before it was published)
    if (this.behind || this.blockedSince !== undefined) { this.behind = true; return; }
    this.position = e.seq;
    if (this.filter(e.alert) && !this.t.sendEntry(e)) this.blockedSince = this.now();
  }

  /** Drops the client when it has been blocked too long; true when it did. */
  checkStall(): boolean {
    if (this.blockedSince !== undefined && this.now() - this.blockedSince > this.stallMs) {
      this.close('slow consumer: resume with Last-Event-ID');
      return true;
    }
    return false;
  }

  heartbeat(): void {
    this.t.heartbeat();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.t.close(reason);
  }

  private catchUp(): void {
    while (!this.closed) {
      const oldest = this.log.oldestSeq();
      if (this.position + 1 < oldest) {
        const from = this.position + 1;
        this.position = oldest - 1;
        if (!this.t.sendGap(from, oldest - 1)) return void (this.blockedSince = this.now());
      }
      const page = this.log.after(this.position, PAGE);
      for (const e of page) {
        this.position = e.seq;
        if (this.filter(e.alert) && !this.t.sendEntry(e)) return void (this.blockedSince = this.now());
      }
      if (page.length < PAGE) { this.behind = false; return; }
    }
  }
}
