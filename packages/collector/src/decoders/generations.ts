/**
 * A bounded map in two generations of max/2 entries each: new and touched entries go to the
 * young one; when it is full it becomes the old one and the previous old one is dropped. So
 * every entry touched within the last max/2 new ones is kept, at O(1) per access (no LRU
 * reordering, no sweeps over a Map's deleted slots). Used for per-connection decoder state;
 * callers cut attacker-chosen key parts (local-keys.ts MAX_KEY_PART).
 */
export class Generations<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;

  constructor(max: number) { this.half = Math.max(1, max >> 1); }

  /** The entry under `key`, moved to the young generation when it was in the old one. */
  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) { this.old.delete(key); this.set(key, o); }
    return o;
  }

  /** Files `v` under `key` in the young generation, rotating generations when it is full. */
  set(key: K, v: V): void {
    this.young.set(key, v);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  get size(): number { return this.young.size + this.old.size; }
}
