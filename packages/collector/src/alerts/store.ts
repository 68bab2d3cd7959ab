/**
 * The alerts store's reads on the main thread's connection: an alert by id, its status
 * history, the alerts due for escalation; and the evidence bound every write keeps. Its
 * writes (open, bump, resolve, acknowledge, escalate) are the writer's commands (writes.ts,
 * commands.ts). Opening it migrates the alerts module's tables.
 */
import type { DB } from '../store/db.js';
import type { Alert } from '../model.js';
import { migrateAlerts } from './schema.js';
import { rowToAlert, rowToHistory, type AlertRow, type HistoryEntry, type HistoryRow } from './row.js';

/** Evidence kept per alert: the first and the last MAX_EVIDENCE/2 references. */
export const MAX_EVIDENCE = 50;

export function mergeEvidence(old: Array<number | string>, add: Array<number | string>): Array<number | string> {
  const seen = new Set(old);
  const all = [...old];
  for (const e of add) if (!seen.has(e)) { seen.add(e); all.push(e); }
  if (all.length <= MAX_EVIDENCE) return all;
  return [...all.slice(0, MAX_EVIDENCE / 2), ...all.slice(all.length - MAX_EVIDENCE / 2)];
}

export class AlertStore {
  private readonly q;

  constructor(db: DB) {
    migrateAlerts(db);
    this.q = {
      byId: db.prepare('SELECT * FROM alerts WHERE id = ?'),
      historyOf: db.prepare('SELECT * FROM alert_history WHERE alert_id = ? ORDER BY id'),
      due: db.prepare(`SELECT * FROM alerts WHERE status = 'open' AND escalated_at IS NULL AND silence_id IS NULL
        AND severity = ? AND opened_at <= ? ORDER BY id LIMIT 500`),
    };
  }

  get(id: number): Alert | undefined {
    const r = this.q.byId.get(id) as AlertRow | undefined;
    return r && rowToAlert(r);
  }

  history(id: number): HistoryEntry[] {
    return (this.q.historyOf.all(id) as HistoryRow[]).map(rowToHistory);
  }

  /** Open (unacknowledged, unsilenced, not yet escalated) alerts of a severity opened at or before a time. */
  dueForEscalation(severity: string, openedBefore: number): Alert[] {
    return (this.q.due.all(severity, openedBefore) as AlertRow[]).map(rowToAlert);
  }
}
