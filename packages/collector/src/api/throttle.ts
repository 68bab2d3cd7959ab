/**
 * Slows down guessing: each address that keeps presenting bad tokens waits longer before
 * its next 401 (a few free misses, then doubling up to a cap), and at most `maxWaiting`
 * of its refusals wait at once: beyond, every attempt of it, good token or not, is refused at
 * once before its token is even checked (saturated()), so parallel guessing gains nothing
 * and a waiting wave gives no oracle. Memory is
 * bounded: at most `maxEntries` addresses, oldest forgotten first, and an address is
 * forgotten after a quiet period; waiting slots exist only while a refusal waits.
 */
export interface ThrottleOptions {
  freeFailures?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  forgetAfterMs?: number;
  maxEntries?: number;
  /** Delayed refusals of one address waiting at once; beyond, its attempts are refused unchecked. */
  maxWaiting?: number;
}

interface Entry { failures: number; lastMs: number }

export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly o: Required<ThrottleOptions>;
  private readonly waiting = new Map<string, number>();
  /** Attempts answered 429 because their address had maxWaiting refusals waiting. */
  capped = 0;

  constructor(opts: ThrottleOptions = {}, private readonly now: () => number = Date.now) {
    this.o = { freeFailures: 3, baseDelayMs: 100, maxDelayMs: 5000, forgetAfterMs: 15 * 60_000, maxEntries: 10_000, maxWaiting: 4, ...opts };
  }

  /** Records a failure from `addr`; returns how long to wait before answering it (ms). */
  fail(addr: string): number {
    const now = this.now();
    let e = this.entries.get(addr);
    if (e && now - e.lastMs > this.o.forgetAfterMs) e = undefined;
    this.entries.delete(addr);
    if (!e && this.entries.size >= this.o.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    e = { failures: (e?.failures ?? 0) + 1, lastMs: now };
    this.entries.set(addr, e);
    return this.delayFor(e.failures);
  }

  /**
   * When `addr` has maxWaiting refusals waiting: the seconds to tell it to wait (counted);
   * its attempt is refused without checking the token. Otherwise undefined.
   */
  saturated(addr: string): number | undefined {
    if ((this.waiting.get(addr) ?? 0) < this.o.maxWaiting) return undefined;
    this.capped++;
    const e = this.entries.get(addr);
    return Math.max(1, Math.ceil(this.delayFor(e?.failures ?? 0) / 1000));
  }

  /** Takes one of `addr`'s waiting slots; false (counted) when it has none left. */
  hold(addr: string): boolean {
    const n = this.waiting.get(addr) ?? 0;
    if (n >= this.o.maxWaiting) { this.capped++; return false; }
    this.waiting.set(addr, n + 1);
    return true;
  }

  release(addr: string): void {
    const n = (this.waiting.get(addr) ?? 1) - 1;
    if (n <= 0) this.waiting.delete(addr);
    else this.waiting.set(addr, n);
  }

  private delayFor(failures: number): number {
    const over = failures - this.o.freeFailures;
    if (over <= 0) return 0;
    return Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(over - 1, 30));
  }

  get size(): number { return this.entries.size; }
}
