/**
 * Retention: deletes events whose INGESTION time is older than the configured age (a
 * replayed year-old log is kept on arrival), then the oldest events while the database
 * holds more than the size cap. Works from the oldest id in small chunks, yielding to the
 * event loop between chunks so ingest never stalls, and keeps the per-kind totals and the
 * summary (store/event-keys.ts) exact; a bucket's summary and field templates go with its
 * last rows.
 */
import type { DB } from './db.js';
import { BUCKET_BITS } from './buckets.js';

/** The summary's decrements for the rows `doomed` (SQL selecting their ids) is about to delete. */
function summaryDown(doomed: string): string {
  return `WITH d AS MATERIALIZED (
      SELECT id >> ${BUCKET_BITS} AS b, kind, agent, type, source_ip, user_name FROM events WHERE id IN (${doomed}))
    UPDATE event_keys SET n = event_keys.n - c.n FROM (
      SELECT b, kind, field, value, count(*) AS n FROM (
        SELECT b, kind, 'agent' AS field, agent AS value FROM d
        UNION ALL SELECT b, kind, 'type', type FROM d WHERE type IS NOT NULL
        UNION ALL SELECT b, kind, 'source.ip', source_ip FROM d WHERE source_ip IS NOT NULL
        UNION ALL SELECT b, kind, 'user.name', user_name FROM d WHERE user_name IS NOT NULL)
      GROUP BY b, kind, field, value) AS c
    WHERE event_keys.bucket = c.b AND event_keys.kind = c.kind AND event_keys.field = c.field AND event_keys.value = c.value`;
}

function spansDown(doomed: string): string {
  return `UPDATE event_spans SET n = event_spans.n - c.n FROM (
      SELECT id >> ${BUCKET_BITS} AS b, kind, count(*) AS n FROM events WHERE id IN (${doomed}) GROUP BY b, kind) AS c
    WHERE event_spans.bucket = c.b AND event_spans.kind = c.kind`;
}

/** Buckets below the oldest row's (all of them once no row is left). */
const GONE = `bucket < coalesce((SELECT min(id) FROM events) >> ${BUCKET_BITS}, 9223372036854775807)`;

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

export function createRetention(db: DB, policy: RetentionPolicy) {
  const chunk = policy.chunk ?? 2000;
  // The window is the oldest `chunk` rows by id; ingestion time grows with id.
  const window = 'SELECT id, kind, ingested FROM events ORDER BY id LIMIT @chunk';
  const oldIds = `SELECT id FROM (${window}) WHERE ingested < @cutoff`;
  const anyIds = window.replace('id, kind, ingested', 'id');
  const doomed = (ids: string) => ({
    counts: db.prepare(`SELECT kind, COUNT(*) AS n FROM events WHERE id IN (${ids}) GROUP BY kind`),
    keys: db.prepare(summaryDown(ids)),
    spans: db.prepare(spansDown(ids)),
    del: db.prepare(`DELETE FROM events WHERE id IN (${ids})`),
  });
  const old = doomed(oldIds);
  const any = doomed(anyIds);
  const totalRows = db.prepare('SELECT COALESCE(SUM(n), 0) FROM event_totals').pluck();
  const bump = db.prepare('UPDATE event_totals SET n = n - ? WHERE kind = ?');
  const gone = [`DELETE FROM event_keys WHERE ${GONE}`, `DELETE FROM event_spans WHERE ${GONE}`, `DELETE FROM field_templates WHERE ${GONE}`]
    .map((sql) => db.prepare(sql));

  const step = (d: ReturnType<typeof doomed>, params: Record<string, number>) =>
    db.transaction(() => {
      const rows = d.counts.all(params) as Array<{ kind: string; n: number }>;
      for (const r of rows) bump.run(r.n, r.kind);
      d.keys.run(params);
      d.spans.run(params);
      const n = d.del.run(params).changes;
      if (n > 0) for (const g of gone) g.run();
      return n;
    }).immediate();

  return {
    /** One full pass; resolves with how much it deleted. */
    async run(nowMs: number): Promise<RetentionResult> {
      const result: RetentionResult = { deletedByAge: 0, deletedBySize: 0 };
      if (policy.maxAgeMs) {
        const params = { chunk, cutoff: nowMs - policy.maxAgeMs };
        for (;;) {
          const n = step(old, params);
          result.deletedByAge += n;
          if (n < chunk) break;
          await nextTick();
        }
      }
      if (policy.maxBytes !== undefined) {
        for (let used = usedBytes(db); used > policy.maxBytes; used = usedBytes(db)) {
          // Delete about the share of rows that is over the cap, in chunks.
          const rows = totalRows.get() as number;
          const share = Math.ceil((rows * (used - policy.maxBytes)) / used);
          const n = step(any, { chunk: Math.max(100, Math.min(chunk, share)) });
          result.deletedBySize += n;
          if (n === 0) break;
          await nextTick();
        }
      }
      return result;
    },
  };
}
