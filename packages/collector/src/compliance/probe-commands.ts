/**
 * The probe_results write, as a command of the store's writer: run inside the agent batch's
 * transaction as a derived operation of a `probe` body (probes.ts), or alone by seeding.
 */
import type { DB } from '../store/db.js';
import type { CommandTable } from '../store/writer/types.js';

export interface ProbeResultArgs {
  eventId: number; agent: string; name: string; ts: number; url: string | null;
  success: number; status: number | null; latencyMs: number | null; error: string | null;
}

export const probeCommands = {
  'compliance.probe': (db: DB) => {
    const result = db.prepare(`INSERT OR IGNORE INTO probe_results (event_id, agent, name, ts, url, success, status_code, latency_ms, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const names = db.prepare(`INSERT INTO probe_names (name, last_ts, last_event_id) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET last_ts = MAX(last_ts, excluded.last_ts),
         last_event_id = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last_event_id ELSE last_event_id END`);
    return (a: ProbeResultArgs): null => {
      result.run(a.eventId, a.agent, a.name, a.ts, a.url, a.success, a.status, a.latencyMs, a.error);
      names.run(a.name, a.ts, a.eventId);
      return null;
    };
  },
} satisfies CommandTable;
