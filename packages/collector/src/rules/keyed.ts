/**
 * Bounded per-key state for one rule: a Map kept in least-recently-touched order, so the
 * oldest key is evicted when the rule holds max keys (evictions are counted for /metrics)
 * and expiry sweeps can stop at the first key that is still fresh.
 */
export class KeyedState<S> {
  private readonly map = new Map<string, S>();
  /** The most recently touched key: touching it again needs no reordering. */
  private last: string | null = null;
  evictions = 0;

  constructor(private readonly max: number) {}

  get size(): number { return this.map.size; }

  get(key: string): S | undefined { return this.map.get(key); }

  /** Returns the key's state (created if missing) and marks it most recently used. */
  touch(key: string, create: () => S): S {
    let s = this.map.get(key);
    if (s !== undefined && key === this.last) return s;
    this.last = key;
    if (s === undefined) {
      s = create();
      if (this.map.size >= this.max) {
        const oldest = this.map.keys().next().value as string;
        this.map.delete(oldest);
        this.evictions++;
      }
    } else {
      this.map.delete(key);
    }
    this.map.set(key, s);
    return s;
  }

  /** Stores `s` as the key's state (replacing any), most recently used. */
  set(key: string, s: S): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value as string;
      this.delete(oldest);
      this.evictions++;
    }
    this.map.set(key, s);
    this.last = key;
  }

  delete(key: string): void { this.map.delete(key); if (key === this.last) this.last = null; }

  /** Visits keys oldest-touched first; the callback returns 'drop', 'keep' or 'stop'. */
  sweep(fn: (key: string, s: S) => 'drop' | 'keep' | 'stop'): void {
    for (const [k, s] of this.map) {
      const r = fn(k, s);
      if (r === 'stop') return;
      if (r === 'drop') this.delete(k);
    }
  }

  entries(): IterableIterator<[string, S]> { return this.map.entries(); }
}
