/**
 * Keeps one Docker event stream open for as long as the source runs: connects, calls
 * onConnected (the owner reconciles there), then hands each container event to onEvent.
 * When the stream ends or dockerd goes away it retries with backoff (0.5 s doubling to
 * 5 s) and resumes with `since` the last event seen, skipping events it already passed on.
 * A missing socket is reported once through onUnavailable, not on every retry.
 */
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import type { DockerEventJson } from './inspect.js';

export interface StreamHooks {
  onConnected(): Promise<void>;
  onEvent(e: DockerEventJson): void;
  onDisconnected(reason: string): void;
  onUnavailable(reason: string): void;
}

export class EventStream {
  private stopped = false;
  private current: NodeJS.ReadableStream | undefined;
  private wake: (() => void) | undefined;
  private lastSec = 0;
  private seen = new Set<string>();

  constructor(private docker: Docker, private socket: string, private hooks: StreamHooks) {}

  /** Runs until stop(); never throws. */
  async run(): Promise<void> {
    let delay = 500;
    while (!this.stopped) {
      try {
        if (!existsSync(this.socket)) throw new Error(`no Docker socket at ${this.socket}`);
        await this.docker.ping();
        const opts: Docker.GetEventsOptions = { filters: { type: ['container'] } };
        if (this.lastSec) opts.since = this.lastSec;
        const stream = await this.docker.getEvents(opts);
        this.current = stream;
        await this.hooks.onConnected();
        delay = 500;
        await this.consume(stream);
        if (!this.stopped) this.hooks.onDisconnected('event stream ended');
      } catch (err) {
        if (this.stopped) break;
        this.hooks.onUnavailable((err as Error).message);
      }
      this.current = undefined;
      if (this.stopped) break;
      await new Promise<void>((r) => { this.wake = r; setTimeout(r, delay); });
      delay = Math.min(delay * 2, 5_000);
    }
  }

  private consume(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise((resolve) => {
      // reconnect() may have dropped it while onConnected ran: its 'close' has passed already
      if ((stream as NodeJS.ReadableStream & { destroyed?: boolean }).destroyed) { resolve(); return; }
      let buf = '';
      stream.on('data', (chunk: Buffer | string) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) this.dispatch(line);
        }
      });
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
    });
  }

  private dispatch(line: string): void {
    let e: DockerEventJson;
    try { e = JSON.parse(line) as DockerEventJson; } catch { return; }
    const key = `${e.timeNano}:${e.Actor?.ID}:${e.Action}`;
    if (this.seen.has(key)) return; // replayed by `since` after a reconnect
    this.seen.add(key);
    if (this.seen.size > 2000) this.seen = new Set([...this.seen].slice(-1000));
    if (e.time) this.lastSec = e.time;
    this.hooks.onEvent(e);
  }

  /** Drops the current stream; run() reconnects and replays from `since` (duplicates skipped). */
  reconnect(): void {
    (this.current as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
  }

  stop(): void {
    this.stopped = true;
    const s = this.current as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    s?.destroy?.();
    this.wake?.();
  }
}
