/**
 * Commits one Batch inline, in ONE SQLite transaction on the main connection: reads the
 * agent instance's high-water mark, stores what batch-rows.ts decides (duplicates skipped,
 * a gap recorded as a data-loss row), runs body handlers' derived-state updates and moves
 * the mark, all or nothing. Used for batches whose bodies update derived tables, and when
 * there is no writer thread (in-memory databases). Returns the stored events and the ack.
 */
import type { Batch } from '@vigil/proto';
import type { DB } from '../store/db.js';
import type { EventStore } from '../store/events.js';
import type { AgentRegistry } from '../store/agents.js';
import type { CommittedEvent, StoredEvent } from '../model.js';
import type { DecoderCache } from './decoder-cache.js';
import { batchRows, lagMs } from './batch-rows.js';

export interface CommitDeps { db: DB; events: EventStore; agents: AgentRegistry; decoders: DecoderCache }
export interface CommitResult { stored: CommittedEvent[]; ack: number; duplicates: number }
/** The inline committer's result names the rows' fields too (it stores them itself). */
export interface InlineResult extends CommitResult { stored: StoredEvent[] }

export function createBatchCommitter(deps: CommitDeps) {
  const { db, events, agents, decoders } = deps;
  const tx = db.transaction((agent: string, instance: string, batch: Batch, now: number, skewMs: number): InlineResult => {
    const hwm = agents.lastSeq(agent, instance);
    const r = batchRows(agent, batch, hwm, now, decoders);
    const stored = events.insertBatch(r.rows);
    const list = batch.events ?? [];
    for (let i = 0; i < stored.length; i++) {
      const h = r.handlers[i];
      if (h?.afterInsert) h.afterInsert(db, stored[i], list[stored[i].seq - batch.firstSeq]);
    }
    if (r.ack > hwm) agents.setLastSeq(agent, instance, r.ack, lagMs(r, now, skewMs), now);
    return { stored, ack: r.ack, duplicates: r.duplicates };
  });
  return (agent: string, instance: string, batch: Batch, now: number, skewMs = 0): InlineResult =>
    tx.immediate(agent, instance, batch, now, skewMs);
}
