/**
 * The alerts store: one open alert per (rule, group) key. Engine updates open, bump or
 * auto-resolve alerts; people acknowledge and resolve them through the API. Every status
 * change lands in alert_history (who, when) in the same transaction as the change.
 * Pure persistence: emitting bus events and matching silences is the caller's job.
 */
import type { DB } from '../store/db.js';
import type { Alert } from '../model.js';
import type { AlertChange } from '../context.js';
import type { Actor, AlertUpdate } from './types.js';
import { migrateAlerts } from './schema.js';
import { rowToAlert, rowToHistory, type AlertRow, type HistoryEntry, type HistoryRow } from './row.js';

/** Evidence kept per alert: the first and the last MAX_EVIDENCE/2 references. */
export const MAX_EVIDENCE = 50;

export interface Applied { alert: Alert; change: AlertChange }

export function mergeEvidence(old: Array<number | string>, add: Array<number | string>): Array<number | string> {
  const seen = new Set(old);
  const all = [...old];
  for (const e of add) if (!seen.has(e)) { seen.add(e); all.push(e); }
  if (all.length <= MAX_EVIDENCE) return all;
  return [...all.slice(0, MAX_EVIDENCE / 2), ...all.slice(all.length - MAX_EVIDENCE / 2)];
}

/** The contract's threat.technique.id is one string; the engine may give a list. */
const techniqueOf = (t: string | string[] | undefined): string | null =>
  (Array.isArray(t) ? t[0] : t) ?? null;

const msOf = (t: string): number => {
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`alert time is not RFC 3339: ${JSON.stringify(t)}`);
  return ms;
};

export class AlertStore {
  private readonly q;

  constructor(private readonly db: DB) {
    migrateAlerts(db);
    this.q = {
      openByKey: db.prepare(`SELECT * FROM alerts WHERE key = ? AND status <> 'resolved'`),
      byId: db.prepare('SELECT * FROM alerts WHERE id = ?'),
      insert: db.prepare(`INSERT INTO alerts (key, rule_id, rule_name, severity, technique, grp, agent, count,
        first_seen, last_seen, last_seen_ms, evidence, status, silence_id, opened_at, updated_at)
        VALUES (@key, @rule_id, @rule_name, @severity, @technique, @grp, @agent, @count,
        @first_seen, @last_seen, @last_seen_ms, @evidence, 'open', @silence_id, @now, @now)`),
      bump: db.prepare(`UPDATE alerts SET count = @count, first_seen = @first_seen, last_seen = @last_seen,
        last_seen_ms = @last_seen_ms, evidence = @evidence, silence_id = @silence_id, updated_at = @now,
        rule_name = @rule_name, severity = @severity, technique = @technique WHERE id = @id`),
      ack: db.prepare(`UPDATE alerts SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, updated_at = ? WHERE id = ?`),
      resolve: db.prepare(`UPDATE alerts SET status = 'resolved', resolved_at = ?, resolved_by = ?, updated_at = ? WHERE id = ?`),
      escalated: db.prepare('UPDATE alerts SET escalated_at = ? WHERE id = ?'),
      history: db.prepare('INSERT INTO alert_history (alert_id, at, who, action, status) VALUES (?, ?, ?, ?, ?)'),
      historyOf: db.prepare('SELECT * FROM alert_history WHERE alert_id = ? ORDER BY id'),
      due: db.prepare(`SELECT * FROM alerts WHERE status = 'open' AND escalated_at IS NULL AND silence_id IS NULL
        AND severity = ? AND opened_at <= ? ORDER BY id LIMIT 500`),
    };
  }

  /** Applies one engine update; null when it changes nothing (a resolve with no open alert). */
  apply(u: AlertUpdate, silenceId: number | null, now: number): Applied | null {
    return this.db.transaction((): Applied | null => {
      const cur = this.q.openByKey.get(u.key) as AlertRow | undefined;
      const resolving = u.status === 'resolved' || u.change === 'resolved';
      if (!cur) {
        if (resolving) return null;
        const res = this.q.insert.run({
          key: u.key, rule_id: u.rule.id, rule_name: u.rule.name, severity: u.rule.severity,
          technique: techniqueOf(u.rule.technique), grp: JSON.stringify(u.group), agent: u.agent ?? null,
          count: u.count, first_seen: u.first_seen, last_seen: u.last_seen, last_seen_ms: msOf(u.last_seen),
          evidence: JSON.stringify(mergeEvidence([], u.evidence)), silence_id: silenceId, now,
        });
        const id = Number(res.lastInsertRowid);
        this.q.history.run(id, now, 'system', 'opened', 'open');
        return { alert: this.mustGet(id), change: 'opened' };
      }
      // An engine that restarted re-opens a key the store still holds open: add its counts.
      const count = u.change === 'opened' ? cur.count + u.count : Math.max(cur.count, u.count);
      const firstMs = Math.min(msOf(cur.first_seen), msOf(u.first_seen));
      const lastMs = Math.max(cur.last_seen_ms, msOf(u.last_seen));
      this.q.bump.run({
        id: cur.id, count, now, silence_id: silenceId,
        first_seen: firstMs === msOf(cur.first_seen) ? cur.first_seen : u.first_seen,
        last_seen: lastMs === cur.last_seen_ms ? cur.last_seen : u.last_seen, last_seen_ms: lastMs,
        evidence: JSON.stringify(mergeEvidence(JSON.parse(cur.evidence), u.evidence)),
        rule_name: u.rule.name, severity: u.rule.severity, technique: techniqueOf(u.rule.technique),
      });
      if (resolving) {
        this.q.resolve.run(now, 'system', now, cur.id);
        this.q.history.run(cur.id, now, 'system', 'resolved', 'resolved');
        return { alert: this.mustGet(cur.id), change: 'resolved' };
      }
      return { alert: this.mustGet(cur.id), change: 'updated' };
    })();
  }

  /**
   * Acknowledges or resolves an alert for `who`. Idempotent: acting again, or acknowledging
   * a resolved alert, changes nothing (changed: false). Undefined for an unknown id.
   */
  transition(id: number, to: 'acknowledged' | 'resolved', who: Actor, now: number): { alert: Alert; changed: boolean } | undefined {
    return this.db.transaction(() => {
      const cur = this.q.byId.get(id) as AlertRow | undefined;
      if (!cur) return undefined;
      const noop = cur.status === 'resolved' || cur.status === to;
      if (!noop) {
        if (to === 'acknowledged') this.q.ack.run(now, who, now, id);
        else this.q.resolve.run(now, who, now, id);
        this.q.history.run(id, now, who, to, to);
      }
      return { alert: this.mustGet(id), changed: !noop };
    })();
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

  markEscalated(id: number, now: number): void {
    this.db.transaction(() => {
      this.q.escalated.run(now, id);
      this.q.history.run(id, now, 'system', 'escalated', 'open');
    })();
  }

  private mustGet(id: number): Alert {
    return rowToAlert(this.q.byId.get(id) as AlertRow);
  }
}
