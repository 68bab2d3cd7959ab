/**
 * The alerts store's writes, run by the writer inside its commands (commands.ts): one open
 * alert per (rule, group) key; engine updates open, bump or auto-resolve alerts; people
 * acknowledge and resolve them; escalations are marked. Every status change lands in
 * alert_history (who, when) in the same transaction as the change.
 */
import type { DB } from '../store/db.js';
import type { Alert } from '../model.js';
import type { AlertChange } from '../model.js';
import type { Actor, AlertUpdate } from './types.js';
import { rowToAlert, type AlertRow } from './row.js';
import { mergeEvidence } from './store.js';

export interface Applied { alert: Alert; change: AlertChange }

/** The contract's threat.technique.id is one string; the engine may give a list. */
const techniqueOf = (t: string | string[] | undefined): string | null =>
  (Array.isArray(t) ? t[0] : t) ?? null;

const msOf = (t: string): number => {
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`alert time is not RFC 3339: ${JSON.stringify(t)}`);
  return ms;
};

export class AlertWrites {
  private readonly q;

  /** The alerts module's migrations must have run on db (AlertStore does that). */
  constructor(private readonly db: DB) {
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
    };
  }

  /** Applies one engine update (a savepoint of its own); null when it changes nothing (a resolve with no open alert). */
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
    const cur = this.q.byId.get(id) as AlertRow | undefined;
    if (!cur) return undefined;
    const noop = cur.status === 'resolved' || cur.status === to;
    if (!noop) {
      if (to === 'acknowledged') this.q.ack.run(now, who, now, id);
      else this.q.resolve.run(now, who, now, id);
      this.q.history.run(id, now, who, to, to);
    }
    return { alert: this.mustGet(id), changed: !noop };
  }

  /** Marks an alert escalated (and its history); false for an unknown id. */
  markEscalated(id: number, now: number): boolean {
    if (this.q.escalated.run(now, id).changes === 0) return false;
    this.q.history.run(id, now, 'system', 'escalated', 'open');
    return true;
  }

  private mustGet(id: number): Alert {
    return rowToAlert(this.q.byId.get(id) as AlertRow);
  }
}
