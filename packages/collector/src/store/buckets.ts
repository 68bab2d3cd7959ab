/**
 * Id-bucketed lookups: source.ip and user.name are indexed on ((id >> BUCKET_BITS), value),
 * so a commit only touches the index pages of the newest bucket (65,536 rows) instead of
 * pages all over an index of random addresses, and ingest stays as fast at 100M rows as
 * at 100k. Which buckets hold a value, and how many rows, is in the summary tables
 * (store/event-keys.ts), so a lookup probes only the buckets that hold it
 * (store/event-lookup.ts).
 */
export const BUCKET_BITS = 16;

/** The expression the bucketed indexes start with; queries must spell it the same way. */
export const BUCKET_EXPR = `(id >> ${BUCKET_BITS})`;

const BUCKET_ROWS = 2 ** BUCKET_BITS;

/** The bucket of row `id` (ids go past 2^31: no 32-bit shift here). */
export const bucketOf = (id: number): number => Math.floor(id / BUCKET_ROWS);

/** The first and last row id of bucket `b`. */
export const bucketIds = (b: number): [number, number] => [b * BUCKET_ROWS, (b + 1) * BUCKET_ROWS - 1];
