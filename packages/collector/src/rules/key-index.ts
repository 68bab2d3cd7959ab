/**
 * The string-to-slot index behind KeyedState: open addressing with linear probing over one
 * Int32Array of (hash, slot + 1) pairs, kept at most half full, with backward-shift
 * deletion (no tombstones, so churn never degrades it). Under a scan, most lookups are
 * misses on fresh key strings; probing compares 32-bit hashes in one compact array and
 * touches a key only on a hash match. Hashes are FNV-1a from a per-process random basis,
 * so senders cannot aim colliding names at it.
 */
const BASIS = (0x811c9dc5 ^ Math.floor(Math.random() * 0x100000000)) | 0;

/** The index's hash of a key. */
export function keyHash(key: string): number {
  let h = BASIS;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
}

const BASIS2 = (0x50c5d1f ^ Math.floor(Math.random() * 0x100000000)) | 0;

/**
 * A 53-bit hash of `v` (two FNV-1a of per-process random bases, one number): what a distinct
 * alert remembers of an attacker-chosen value instead of the string (collisions among 1,000
 * values: about 1 in 10^10).
 */
export function valueHash(v: string): number {
  let h = BASIS2;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  return (keyHash(v) >>> 0) * 0x200000 + (h >>> 11);
}

export class KeyIndex {
  private cap = 16;
  /** [hash, slot + 1] per position; slot + 1 === 0 marks an empty position. */
  private t = new Int32Array(32);
  private n = 0;

  /** `keys[slot]` is the key stored at a slot (owned by the caller). */
  constructor(private readonly keys: ReadonlyArray<string | undefined>) {}

  /** The slot of `key` (whose hash is `h`), or -1. */
  find(key: string, h: number): number {
    const m = this.cap - 1;
    const t = this.t;
    for (let p = h & m; ; p = (p + 1) & m) {
      const s = t[2 * p + 1];
      if (s === 0) return -1;
      if (t[2 * p] === h && this.keys[s - 1] === key) return s - 1;
    }
  }

  /** Adds a key known to be absent, at `slot`. */
  insert(h: number, slot: number): void {
    if ((this.n + 1) * 2 > this.cap) this.grow();
    this.place(h, slot + 1);
    this.n++;
  }

  /** Removes the entry of `slot` (whose key hashed to `h`); a no-op when absent. */
  remove(h: number, slot: number): void {
    const m = this.cap - 1;
    const t = this.t;
    let p = h & m;
    for (;; p = (p + 1) & m) {
      const s = t[2 * p + 1];
      if (s === 0) return;
      if (s === slot + 1) break;
    }
    // Backward shift: move later entries of the run into the hole when their home allows.
    for (let q = p; ;) {
      q = (q + 1) & m;
      const s = t[2 * q + 1];
      if (s === 0) break;
      const home = t[2 * q] & m;
      if (((q - home) & m) >= ((q - p) & m)) {
        t[2 * p] = t[2 * q];
        t[2 * p + 1] = s;
        p = q;
      }
    }
    t[2 * p + 1] = 0;
    this.n--;
  }

  private place(h: number, slot1: number): void {
    const m = this.cap - 1;
    const t = this.t;
    let p = h & m;
    while (t[2 * p + 1] !== 0) p = (p + 1) & m;
    t[2 * p] = h;
    t[2 * p + 1] = slot1;
  }

  private grow(): void {
    const old = this.t;
    this.cap *= 2;
    this.t = new Int32Array(this.cap * 2);
    for (let p = 0; p < old.length; p += 2) if (old[p + 1] !== 0) this.place(old[p], old[p + 1]);
  }
}
