/**
 * Id-bucketed lookups: source.ip and user.name are indexed on ((id >> BUCKET_BITS), value),
 * so a commit only touches the index pages of the newest bucket (65,536 rows) instead of
 * pages all over an index of random addresses, and ingest stays as fast at 100M rows as
 * at 100k. A lookup walks the buckets newest first, one index probe each, until it has
 * enough rows; a count sums the buckets.
 */
import type { DB } from './db.js';

export const BUCKET_BITS = 16;

/** The expression the bucketed indexes start with; queries must spell it the same way. */
export const BUCKET_EXPR = `(id >> ${BUCKET_BITS})`;

export interface BucketRange { low: number; high: number }

/** The buckets holding rows with ids below `beforeId` (all rows when undefined), or null when none. */
export function bucketRange(db: DB, beforeId?: number): BucketRange | null {
  const r = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM events').get() as { lo: number | null; hi: number | null };
  if (r.lo === null || r.hi === null) return null;
  const high = beforeId === undefined ? r.hi : Math.min(r.hi, beforeId - 1);
  if (high < r.lo) return null;
  return { low: r.lo >> BUCKET_BITS, high: high >> BUCKET_BITS };
}

/** Pages newest first: runs `page(bucket, want)` per bucket until `limit` rows are found. */
export function collectBuckets<T>(range: BucketRange | null, limit: number, page: (bucket: number, want: number) => T[]): T[] {
  const out: T[] = [];
  if (!range) return out;
  for (let b = range.high; b >= range.low && out.length < limit; b--) {
    for (const row of page(b, limit - out.length)) out.push(row);
  }
  return out;
}
