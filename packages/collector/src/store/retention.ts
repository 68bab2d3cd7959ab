/**
 * Retention: deletes events whose INGESTION time is older than the configured age (a
 * replayed year-old log is kept on arrival), then the oldest events while the database
 * holds more than the size cap. Works from the oldest id in small chunks, one write
 * command each (`retention.chunk`, retention-writes.ts), so batches queued meanwhile commit
 * in between and ingest never stalls, and keeps the per-kind totals and the summary exact;
 * a bucket's summary and field templates go with its last rows.
 */
import type { DB } from './db.js';
import type { WriteQueue } from './writer/queue.js';

export interface RetentionPolicy {
  /** Keep events ingested within this many ms; 0 or undefined: keep forever. */
  maxAgeMs?: number;
  /** Database size cap in bytes (pages in use); undefined: none. */
  maxBytes?: number;
  /** Rows deleted per chunk. */
  chunk?: number;
}

export interface RetentionResult { deletedByAge: number; deletedBySize: number }

export function usedBytes(db: DB): number {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * pageSize;
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

export function createRetention(writer: WriteQueue, reader: DB, policy: RetentionPolicy) {
  const chunk = policy.chunk ?? 2000;
  const totalRows = reader.prepare('SELECT COALESCE(SUM(n), 0) FROM event_totals').pluck();

  return {
    /** One full pass; resolves with how much it deleted. */
    async run(nowMs: number): Promise<RetentionResult> {
      const result: RetentionResult = { deletedByAge: 0, deletedBySize: 0 };
      if (policy.maxAgeMs) {
        for (;;) {
          const n = await writer.run('retention.chunk', { chunk, cutoff: nowMs - policy.maxAgeMs });
          result.deletedByAge += n;
          if (n < chunk) break;
          await nextTick();
        }
      }
      if (policy.maxBytes !== undefined) {
        for (let used = usedBytes(reader); used > policy.maxBytes; used = usedBytes(reader)) {
          // Delete about the share of rows that is over the cap, in chunks.
          const rows = totalRows.get() as number;
          const share = Math.ceil((rows * (used - policy.maxBytes)) / used);
          const n = await writer.run('retention.chunk', { chunk: Math.max(100, Math.min(chunk, share)), cutoff: null });
          result.deletedBySize += n;
          if (n === 0) break;
          await nextTick();
        }
      }
      return result;
    },
  };
}
