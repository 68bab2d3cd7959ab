/**
 * Commits one Batch in ONE SQLite transaction: skips events at or below the agent
 * instance's stored high-water mark (duplicates from a resend), records a gap before the
 * batch as a data-loss event, inserts the rest, runs body handlers' derived-state updates
 * and moves the high-water mark, all or nothing. Returns the stored events and the ack.
 */
import type { Batch } from '@vigil/proto';
import type { DB } from '../store/db.js';
import type { EventStore, NewEvent } from '../store/events.js';
import type { AgentRegistry } from '../store/agents.js';
import type { StoredEvent } from '../model.js';
import type { DecoderCache } from './decoder-cache.js';
import type { BodyHandler } from './handlers.js';
import { lossFields, toNewEvent } from './to-event.js';

export interface CommitDeps { db: DB; events: EventStore; agents: AgentRegistry; decoders: DecoderCache }
export interface CommitResult { stored: StoredEvent[]; ack: number; duplicates: number }

export function createBatchCommitter(deps: CommitDeps) {
  const { db, events, agents, decoders } = deps;
  const tx = db.transaction((agent: string, instance: string, batch: Batch, now: number, skewMs: number): CommitResult => {
    const hwm = agents.lastSeq(agent, instance);
    const first = batch.firstSeq;
    const list = batch.events ?? [];
    const last = first + list.length - 1;
    const rows: NewEvent[] = [];
    const handlers: Array<BodyHandler | undefined> = [];
    if (first > hwm + 1) {
      rows.push({ agent, seq: hwm + 1, kind: 'loss', ingested: now, timeMs: now, fields: lossFields(agent, now, now, {
        message: `sequence gap: events ${hwm + 1}..${first - 1} from agent ${agent} never arrived`,
        action: 'sequence-gap', dropped: first - 1 - hwm, firstSeq: hwm + 1, lastSeq: first - 1,
      }) });
      handlers.push(undefined);
    }
    let duplicates = 0;
    let newestEventMs = 0;
    const nowIso = new Date(now).toISOString();
    for (let i = 0; i < list.length; i++) {
      const seq = first + i;
      if (seq <= hwm) { duplicates++; continue; }
      const c = toNewEvent(list[i], seq, agent, now, decoders, nowIso);
      rows.push(c.row);
      handlers.push(c.handler);
      if (c.row.timeMs > newestEventMs) newestEventMs = c.row.timeMs;
    }
    const stored = events.insertBatch(rows);
    for (let i = 0; i < stored.length; i++) {
      const h = handlers[i];
      if (h?.afterInsert) h.afterInsert(db, stored[i], list[stored[i].seq - first]);
    }
    const ack = Math.max(hwm, last);
    if (ack > hwm) {
      const lag = newestEventMs ? Math.max(0, now - (newestEventMs + skewMs)) : null;
      agents.setLastSeq(agent, instance, ack, lag, now);
    }
    return { stored, ack, duplicates };
  });
  return (agent: string, instance: string, batch: Batch, now: number, skewMs = 0): CommitResult =>
    tx.immediate(agent, instance, batch, now, skewMs);
}
