/**
 * Rate-limited logging for floods (refused connections, malformed sessions, skipped files):
 * at most `burst` lines (default 1) per key per interval; what is held back is counted and reported as `suppressed` on
 * a summary line when the interval ends. Keys are a small fixed set (reasons), never
 * attacker text. One timer per limiter, unref'd, cleared by close().
 */
import type { Logger } from './log.js';

type Level = 'info' | 'warn' | 'error';
interface Slot { until: number; sent: number; suppressed: number; level: Level; msg: string; extra?: Record<string, unknown> }

export class LogLimiter {
  private readonly slots = new Map<string, Slot>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger, private readonly intervalMs = 10_000, private readonly now: () => number = Date.now,
    private readonly burst = 1,
  ) {}

  warn(key: string, msg: string, extra?: Record<string, unknown>): void { this.write('warn', key, msg, extra); }
  info(key: string, msg: string, extra?: Record<string, unknown>): void { this.write('info', key, msg, extra); }

  private write(level: Level, key: string, msg: string, extra?: Record<string, unknown>): void {
    const now = this.now();
    const slot = this.slots.get(key);
    if (slot && now < slot.until) {
      if (slot.sent < this.burst) {
        slot.sent++;
        this.log[level](msg, extra);
        return;
      }
      slot.suppressed++;
      Object.assign(slot, { level, msg, extra });
      this.schedule(slot.until - now);
      return;
    }
    const suppressed = slot?.suppressed ?? 0;
    this.slots.set(key, { until: now + this.intervalMs, sent: 1, suppressed: 0, level, msg, extra });
    this.log[level](msg, suppressed > 0 ? { ...extra, suppressed } : extra);
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(1, ms));
    this.timer.unref();
  }

  /** Ends the intervals that are over: a summary line for each key with lines held back. */
  private flush(): void {
    this.timer = undefined;
    const now = this.now();
    for (const [key, s] of this.slots) {
      if (now < s.until) { if (s.suppressed > 0) this.schedule(s.until - now); continue; }
      if (s.suppressed === 0) { this.slots.delete(key); continue; }
      this.log[s.level](s.msg, { ...s.extra, suppressed: s.suppressed });
      s.until = now + this.intervalMs;
      s.sent = 1;
      s.suppressed = 0;
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
