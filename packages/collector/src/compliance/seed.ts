/**
 * Writes decoded-shape records into a store the way the collector would: log events
 * through the core's event store (and the compliance catch-up), probe results through
 * the probe body handler, alert changes and agent contacts through the bus trackers.
 * Used by the check cases runner and by tests; nothing here bypasses the real tables.
 */
import type { Event } from '@vigil/proto';
import type { DB } from '../store/db.js';
import { createEventStore } from '../store/events.js';
import type { EcsFields, StoredEvent } from '../model.js';
import { insertProbeResult, probeHandler } from './probes.js';

export interface LogRecord { agent?: string; type: string; fields: EcsFields }

const OUTCOME: Record<string, string> = { started: 'unknown', succeeded: 'success', failed: 'failure', rolled_back: 'failure' };

/** Fills the fields a backup/deployment decoder sets from the status ('vigil.type', outcome). */
export function opFields(type: 'backup' | 'deployment', atMs: number, f: EcsFields): EcsFields {
  const action = String(f['event.action'] ?? '');
  return {
    '@timestamp': new Date(atMs).toISOString(), 'event.kind': 'event', 'vigil.type': type,
    'event.outcome': OUTCOME[action] ?? 'unknown',
    message: `${type} ${f['backup.job'] ?? f['deployment.service'] ?? ''} ${action}`.trim(), ...f,
  };
}

export function insertLogEvents(db: DB, records: LogRecord[], ingested = Date.now()): StoredEvent[] {
  const store = createEventStore(db, db);
  const seqs = db.prepare('SELECT agent, MAX(seq) AS seq FROM events GROUP BY agent').all() as Array<{ agent: string; seq: number }>;
  const next = new Map(seqs.map((s) => [s.agent, s.seq]));
  return db.transaction(() => store.insertBatch(records.map((r) => {
    const agent = r.agent ?? 'test-agent';
    const seq = (next.get(agent) ?? 0) + 1;
    next.set(agent, seq);
    return { agent, seq, kind: 'log' as const, ingested, timeMs: ingested, type: r.type, fields: r.fields };
  })))();
}

export function insertProbes(db: DB, agent: string, probes: Event[], ingested = Date.now()): StoredEvent[] {
  const store = createEventStore(db, db);
  const base = (db.prepare('SELECT MAX(seq) AS seq FROM events WHERE agent = ?').get(agent) as { seq: number | null }).seq ?? 0;
  return db.transaction(() => {
    const stored = store.insertBatch(probes.map((ev, i) => ({
      agent, seq: base + i + 1, kind: 'probe' as const, ingested, timeMs: ev.timeMs, fields: probeHandler.toFields(ev, agent),
    })));
    stored.forEach((s) => insertProbeResult(db, s));
    return stored;
  })();
}
