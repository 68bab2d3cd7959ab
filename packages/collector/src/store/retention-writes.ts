/**
 * Retention's write: one chunk of the oldest rows deleted in one command (`retention.chunk`),
 * the per-kind totals kept exact. Writer-side code: it imports only the store; the
 * schedule and the size loop live in retention.ts on the main thread.
 */
import type { DB } from './db.js';
import type { CommandTable } from './writer/types.js';

/** One chunk: the oldest `chunk` rows by id (ingestion time grows with id), those ingested before `cutoff` when given. */
export interface ChunkArgs { chunk: number; cutoff: number | null }

export const retentionCommands = {
  'retention.chunk': (db: DB) => {
    const window = 'SELECT id, kind, ingested FROM events ORDER BY id LIMIT @chunk';
    const oldCounts = db.prepare(`SELECT kind, COUNT(*) AS n FROM (${window}) WHERE ingested < @cutoff GROUP BY kind`);
    const oldDelete = db.prepare(`DELETE FROM events WHERE id IN (SELECT id FROM (${window}) WHERE ingested < @cutoff)`);
    const anyCounts = db.prepare(`SELECT kind, COUNT(*) AS n FROM (${window}) GROUP BY kind`);
    const anyDelete = db.prepare(`DELETE FROM events WHERE id IN (${window.replace('id, kind, ingested', 'id')})`);
    const bump = db.prepare('UPDATE event_totals SET n = n - ? WHERE kind = ?');
    return ({ chunk, cutoff }: ChunkArgs): number => {
      const [counts, del, params] = cutoff === null ? [anyCounts, anyDelete, { chunk }] : [oldCounts, oldDelete, { chunk, cutoff }];
      for (const r of counts.all(params) as Array<{ kind: string; n: number }>) bump.run(r.n, r.kind);
      return del.run(params).changes;
    };
  },
} satisfies CommandTable;
