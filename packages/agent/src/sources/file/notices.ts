/**
 * Rate-limited warnings of one file source about paths it skips or cannot open (symlinks,
 * fifos, devices, unreadable files): each path is reported once until it is read again
 * (clear), and at most `burst` reports per window reach the log; the others are counted
 * and the count goes out with the next report. A folder full of fifos costs a few lines.
 */
import type { Logger } from '@vigil/proto';

/** Paths remembered at most; beyond, the memory starts over (a path may then be reported again). */
const MAX_KEYS = 10_000;

export class Notices {
  private readonly keys = new Set<string>();
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;

  constructor(private readonly log: Logger, private readonly burst = 10, private readonly windowMs = 60_000) {}

  warn(key: string, msg: string, extra: Record<string, unknown>): void {
    if (this.keys.has(key)) return;
    if (this.keys.size >= MAX_KEYS) this.keys.clear();
    this.keys.add(key);
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) { this.windowStart = now; this.inWindow = 0; }
    if (this.inWindow >= this.burst) { this.suppressed++; return; }
    this.inWindow++;
    const n = this.suppressed;
    this.suppressed = 0;
    this.log.warn(msg, n > 0 ? { ...extra, suppressed_before: n } : extra);
  }

  clear(key: string): void {
    this.keys.delete(key);
  }
}
