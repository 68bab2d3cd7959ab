/**
 * Bounded per-key state for one rule: a Map from key to a node of a doubly linked list kept
 * in least-recently-touched order, so touching a key, evicting the oldest when the rule
 * holds max keys (evictions are counted for /metrics) and expiry sweeps that stop at the
 * first fresh key are all O(1) per key, however many keys churn through (a scan from
 * thousands of addresses must not slow detection down).
 */
interface Node<S> { key: string; s: S; prev: Node<S> | null; next: Node<S> | null }

export class KeyedState<S> {
  private readonly map = new Map<string, Node<S>>();
  /** Least recently touched (evicted first) and most recently touched ends of the list. */
  private head: Node<S> | null = null;
  private tail: Node<S> | null = null;
  evictions = 0;

  constructor(private readonly max: number) {}

  get size(): number { return this.map.size; }

  get(key: string): S | undefined {
    return this.map.size === 0 ? undefined : this.map.get(key)?.s; // most rules hold no alert: no hashing
  }

  /** Returns the key's state (created if missing) and marks it most recently used. */
  touch(key: string, create: () => S): S {
    const s = this.use(key);
    if (s !== undefined) return s;
    const made = create();
    this.put(key, made);
    return made;
  }

  /**
   * The key's state marked most recently used, or undefined when it has none (then put()
   * stores one): the hot path of the buckets, with no closure per event.
   */
  use(key: string): S | undefined {
    const n = this.map.get(key);
    if (n === undefined) return undefined;
    if (n !== this.tail) { this.unlink(n); this.append(n); }
    return n.s;
  }

  /** Stores `s` as the key's state (replacing any), most recently used. */
  set(key: string, s: S): void {
    const n = this.map.get(key);
    if (n === undefined) { this.put(key, s); return; }
    n.s = s;
    if (n !== this.tail) { this.unlink(n); this.append(n); }
  }

  delete(key: string): void {
    const n = this.map.get(key);
    if (n === undefined) return;
    this.map.delete(key);
    this.unlink(n);
  }

  /** Visits keys oldest-touched first; the callback returns 'drop', 'keep' or 'stop'. */
  sweep(fn: (key: string, s: S) => 'drop' | 'keep' | 'stop'): void {
    for (let n = this.head; n !== null;) {
      const next = n.next;
      const r = fn(n.key, n.s);
      if (r === 'stop') return;
      if (r === 'drop') { this.map.delete(n.key); this.unlink(n); }
      n = next;
    }
  }

  /** Entries, oldest-touched first. */
  *entries(): IterableIterator<[string, S]> {
    for (let n = this.head; n !== null; n = n.next) yield [n.key, n.s];
  }

  /** Stores the state of a key that has none (use() just returned undefined for it). */
  put(key: string, s: S): void {
    if (this.map.size >= this.max && this.head !== null) {
      const oldest = this.head;
      this.map.delete(oldest.key);
      this.unlink(oldest);
      this.evictions++;
    }
    const n: Node<S> = { key, s, prev: null, next: null };
    this.map.set(key, n);
    this.append(n);
  }

  private append(n: Node<S>): void {
    n.prev = this.tail;
    n.next = null;
    if (this.tail !== null) this.tail.next = n; else this.head = n;
    this.tail = n;
  }

  private unlink(n: Node<S>): void {
    if (n.prev !== null) n.prev.next = n.next; else this.head = n.next;
    if (n.next !== null) n.next.prev = n.prev; else this.tail = n.prev;
    n.prev = n.next = null;
  }
}
