/**
 * Bounded per-key state for one rule: an index from key to slot (key-index.ts), the slots
 * linked in least-recently-touched order through two Int32Arrays. Touching a key, evicting
 * the oldest at max keys (counted for /metrics) and expiry sweeps that stop at the first
 * fresh key are O(1) per key however many keys churn through (a scan from thousands of
 * addresses must not slow detection down); an evicted key's slot serves the next key.
 */
import { KeyIndex, keyHash } from './key-index.js';

const NONE = -1;
const INITIAL_SLOTS = 16;

/**
 * `a`, or a copy at least twice as long, so that index `i` fits: per-slot typed arrays (here
 * and in the buckets) grow with the key store.
 */
export function fit<A extends Int32Array | Float64Array>(a: A, i: number): A {
  if (i < a.length) return a;
  const b = new (a.constructor as new (n: number) => A)(Math.max(i + 1, a.length * 2));
  b.set(a);
  return b;
}

export class KeyedState<S> {
  private readonly keys: Array<string | undefined> = [];
  private readonly index = new KeyIndex(this.keys);
  private readonly states: Array<S | undefined> = [];
  private prev: Int32Array = new Int32Array(INITIAL_SLOTS);
  private next: Int32Array = new Int32Array(INITIAL_SLOTS);
  /** Each slot's key hash (to remove it from the index without hashing again). */
  private hashes: Int32Array = new Int32Array(INITIAL_SLOTS);
  private count = 0;
  /** The key find() last missed and its hash: claim() follows with it, and need not hash again. */
  private missKey: string | undefined;
  private missHash = 0;
  /** Least recently touched (evicted first) and most recently touched slots. */
  private head = NONE;
  private tail = NONE;
  /** Slots freed by delete or sweep, chained through `next`. */
  private free = NONE;
  evictions = 0;

  constructor(private readonly max: number) {}

  get size(): number { return this.count; }

  get(key: string): S | undefined {
    if (this.count === 0) return undefined; // most rules hold no alert: no hashing
    const i = this.index.find(key, keyHash(key));
    return i < 0 ? undefined : this.states[i];
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
    const i = this.find(key);
    return i < 0 ? undefined : this.states[i];
  }

  /**
   * The key's slot marked most recently used, or -1 (then claim() gives it one). Buckets
   * that keep a key's usual state in their own arrays, indexed by slot, use these.
   */
  find(key: string): number {
    if (this.count === 0) return NONE;
    const h = keyHash(key);
    const i = this.index.find(key, h);
    if (i < 0) { this.missKey = key; this.missHash = h; return NONE; }
    if (i !== this.tail) { this.unlink(i); this.append(i); }
    return i;
  }

  /** The state stored at a slot (undefined until set). */
  at(slot: number): S | undefined { return this.states[slot]; }

  /** Stores the state of the key at `slot`. */
  setAt(slot: number, s: S | undefined): void { this.states[slot] = s; }

  /** Stores `s` as the key's state (replacing any), most recently used. */
  set(key: string, s: S): void {
    const i = this.index.find(key, keyHash(key));
    if (i < 0) { this.put(key, s); return; }
    this.states[i] = s;
    if (i !== this.tail) { this.unlink(i); this.append(i); }
  }

  delete(key: string): void {
    const i = this.index.find(key, keyHash(key));
    if (i < 0) return;
    this.drop(i);
  }

  /** Visits keys oldest-touched first (with their slots); the callback returns 'drop', 'keep' or 'stop'. */
  sweep(fn: (key: string, s: S, slot: number) => 'drop' | 'keep' | 'stop'): void {
    for (let i = this.head; i !== NONE;) {
      const after = this.next[i];
      const r = fn(this.keys[i]!, this.states[i]!, i);
      if (r === 'stop') return;
      if (r === 'drop') this.drop(i);
      i = after;
    }
  }

  /** Entries, oldest-touched first. */
  *entries(): IterableIterator<[string, S]> {
    for (let i = this.head; i !== NONE; i = this.next[i]) yield [this.keys[i]!, this.states[i]!];
  }

  /** Stores the state of a key that has none (use() just returned undefined for it). */
  put(key: string, s: S): void {
    this.states[this.claim(key)] = s;
  }

  /**
   * Gives a key that has none (find() just returned -1 for it) a slot, most recently used,
   * evicting the oldest key at the bound; its state is unset. Returns the slot.
   */
  claim(key: string): number {
    let i: number;
    if (this.count >= this.max && this.head !== NONE) {
      i = this.head; // the oldest key goes; its slot serves the new one
      this.index.remove(this.hashes[i], i);
      this.unlink(i);
      this.evictions++;
    } else {
      i = this.slot();
      this.count++;
    }
    const h = key === this.missKey ? this.missHash : keyHash(key);
    this.missKey = undefined;
    this.keys[i] = key;
    this.states[i] = undefined;
    this.hashes[i] = h;
    this.index.insert(h, i);
    this.append(i);
    return i;
  }

  /** A free slot: a freed one, or the next new one (the arrays grow by doubling). */
  private slot(): number {
    const f = this.free;
    if (f !== NONE) { this.free = this.next[f]; return f; }
    const i = this.keys.length;
    this.prev = fit(this.prev, i);
    this.next = fit(this.next, i);
    this.hashes = fit(this.hashes, i);
    this.keys.push(undefined);
    this.states.push(undefined);
    return i;
  }

  private drop(i: number): void {
    this.index.remove(this.hashes[i], i);
    this.count--;
    this.unlink(i);
    this.keys[i] = undefined;
    this.states[i] = undefined;
    this.next[i] = this.free;
    this.free = i;
  }

  private append(i: number): void {
    const t = this.tail;
    this.prev[i] = t;
    this.next[i] = NONE;
    if (t !== NONE) this.next[t] = i; else this.head = i;
    this.tail = i;
  }

  private unlink(i: number): void {
    const p = this.prev[i];
    const n = this.next[i];
    if (p !== NONE) this.next[p] = n; else this.head = n;
    if (n !== NONE) this.prev[n] = p; else this.tail = p;
  }
}
