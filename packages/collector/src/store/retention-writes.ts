/**
 * Retention's write: one chunk of the oldest rows deleted in one command (`retention.chunk`),
 * the per-kind totals and the summary (store/event-keys.ts) kept exact; a bucket's summary
 * and field templates go with its last rows. Writer-side code: it imports only the store;
 * the schedule and the size loop live in retention.ts on the main thread.
 */
import type { DB } from './db.js';
import type { CommandTable } from './writer/types.js';
import { BUCKET_BITS } from './buckets.js';

/** One chunk: the oldest `chunk` rows by id (ingestion time grows with id), those ingested before `cutoff` when given. */
export interface ChunkArgs { chunk: number; cutoff: number | null }

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

export const retentionCommands = {
  'retention.chunk': (db: DB) => {
    // The window is the oldest `chunk` rows by id; ingestion time grows with id.
    const window = 'SELECT id, kind, ingested FROM events ORDER BY id LIMIT @chunk';
    const doomed = (ids: string) => ({
      counts: db.prepare(`SELECT kind, COUNT(*) AS n FROM events WHERE id IN (${ids}) GROUP BY kind`),
      keys: db.prepare(summaryDown(ids)),
      spans: db.prepare(spansDown(ids)),
      del: db.prepare(`DELETE FROM events WHERE id IN (${ids})`),
    });
    const old = doomed(`SELECT id FROM (${window}) WHERE ingested < @cutoff`);
    const any = doomed(window.replace('id, kind, ingested', 'id'));
    const bump = db.prepare('UPDATE event_totals SET n = n - ? WHERE kind = ?');
    const gone = [`DELETE FROM event_keys WHERE ${GONE}`, `DELETE FROM event_spans WHERE ${GONE}`, `DELETE FROM field_templates WHERE ${GONE}`]
      .map((sql) => db.prepare(sql));
    return ({ chunk, cutoff }: ChunkArgs): number => {
      const [d, params] = cutoff === null ? [any, { chunk }] : [old, { chunk, cutoff }];
      for (const r of d.counts.all(params) as Array<{ kind: string; n: number }>) bump.run(r.n, r.kind);
      d.keys.run(params);
      d.spans.run(params);
      const n = d.del.run(params).changes;
      if (n > 0) for (const g of gone) g.run();
      return n;
    };
  },
} satisfies CommandTable;
