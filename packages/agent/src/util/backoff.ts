/**
 * Retry delays (reconnects, outbox retries on a stalled disk): exponential from min to max
 * (250 ms .. 30 s by default) with jitter,
 * so a fleet of agents does not reconnect in lockstep after a collector restart.
 */
export class Backoff {
  private attempt = 0;
  constructor(private readonly minMs = 250, private readonly maxMs = 30_000) {}

  /** The next delay: uniform in [min, min * 2^attempt], capped at max. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    if (ceiling < this.maxMs) this.attempt++;
    return Math.round(this.minMs + Math.random() * (ceiling - this.minMs));
  }

  reset(): void { this.attempt = 0; }
}
