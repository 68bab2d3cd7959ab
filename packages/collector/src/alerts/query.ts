/**
 * Lists alerts for GET /api/alerts: filters on severity, rule id, status and agent, a
 * `since` bound on last_seen (an alert active at or after that time), newest first
 * (highest id first) with an opaque keyset cursor on the id; a page ends early at its
 * byte budget (page-budget.ts).
 */
import type { DB } from '../store/db.js';
import type { Alert } from '../model.js';
import { encodeCursor, idKey } from '../api/cursor.js';
import { rowToAlert, type AlertRow } from './row.js';
import { bytesOf, fitPage, fitSerialized, rowsByIds, type SizedRow } from '../store/page-budget.js';

export interface AlertQuery {
  severity?: string[];
  ruleId?: string;
  status?: string[];
  agent?: string;
  sinceMs?: number;
  limit: number;
  /** Decoded cursor: only ids below it. */
  beforeId?: number;
  /** The page's byte budget (page-budget.ts); unbounded when absent. */
  maxBytes?: number;
}

/** An alert row's stored size: its variable parts plus a bound for the fixed ones. */
const SIZE = `id, ${['grp', 'evidence', 'rule_name', 'key'].map(bytesOf).join(' + ')} + coalesce(${bytesOf('agent')}, 0) + 256 AS n`;

export function listAlerts(db: DB, q: AlertQuery): { alerts: Alert[]; next_cursor: string | null } {
  const where: string[] = [];
  const args: unknown[] = [];
  const inList = (col: string, vals: string[]) => {
    where.push(`${col} IN (${vals.map(() => '?').join(',')})`);
    args.push(...vals);
  };
  if (q.severity?.length) inList('severity', q.severity);
  if (q.status?.length) inList('status', q.status);
  if (q.ruleId !== undefined) { where.push('rule_id = ?'); args.push(q.ruleId); }
  if (q.agent !== undefined) { where.push('agent = ?'); args.push(q.agent); }
  if (q.sinceMs !== undefined) { where.push('last_seen_ms >= ?'); args.push(q.sinceMs); }
  if (q.beforeId !== undefined) { where.push('id < ?'); args.push(q.beforeId); }
  const sql = `SELECT ${SIZE} FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
  const { ids, more } = fitPage(db.prepare(sql).all(...args, q.limit + 1) as SizedRow[], q.limit, q.maxBytes ?? Infinity);
  const page = rowsByIds<AlertRow & Record<string, unknown>>(db, 'alerts', 'id', ids);
  const alerts = page.map(rowToAlert);
  const fit = fitSerialized(alerts, q.maxBytes ?? Infinity);
  if (fit < alerts.length) return { alerts: alerts.slice(0, fit), next_cursor: encodeCursor(idKey(ids[fit - 1])) };
  return { alerts, next_cursor: encodeCursor(more ? idKey(ids[ids.length - 1]) : null) };
}
