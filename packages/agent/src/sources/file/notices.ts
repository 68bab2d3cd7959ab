/**
 * Rate-limited warnings of one file source about paths it skips or cannot open (symlinks,
 * fifos, devices, unreadable files): each path is reported once until it is read again
 * (clear); the rate is proto's LogLimiter (at most `burst` a window, the rest counted and
 * summarised at the window's end). A folder full of fifos costs a few lines.
 */
import { LogLimiter, type Logger } from '@vigil/proto';

/** Paths remembered at most; beyond, the memory starts over (a path may then be reported again). */
const MAX_KEYS = 10_000;

export class Notices {
  private readonly keys = new Set<string>();
  private readonly limiter: LogLimiter;

  constructor(log: Logger, burst = 10, windowMs = 60_000) {
    this.limiter = new LogLimiter(log, windowMs, Date.now, burst);
  }

  warn(key: string, msg: string, extra: Record<string, unknown>): void {
    if (this.keys.has(key)) return;
    if (this.keys.size >= MAX_KEYS) this.keys.clear();
    this.keys.add(key);
    this.limiter.warn('file notices', msg, extra);
  }

  clear(key: string): void {
    this.keys.delete(key);
  }

  close(): void {
    this.limiter.close();
  }
}
