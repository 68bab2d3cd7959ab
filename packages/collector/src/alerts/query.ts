/**
 * Lists alerts for GET /api/alerts: filters on severity, rule id, status and agent, a
 * `since` bound on last_seen (an alert active at or after that time), newest first
 * (highest id first) with an opaque keyset cursor on the id.
 */
import type { DB } from '../store/db.js';
import type { Alert } from '../model.js';
import { rowToAlert, type AlertRow } from './row.js';

export interface AlertQuery {
  severity?: string[];
  ruleId?: string;
  status?: string[];
  agent?: string;
  sinceMs?: number;
  limit: number;
  /** Decoded cursor: only ids below it. */
  beforeId?: number;
}

export function encodeCursor(id: number): string {
  return Buffer.from(`a:${id}`).toString('base64url');
}

/** The id a cursor points below, or undefined when the cursor is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  const m = /^a:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

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
  const sql = `SELECT * FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...args, q.limit + 1) as AlertRow[];
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return { alerts: page.map(rowToAlert), next_cursor: more ? encodeCursor(page[page.length - 1].id) : null };
}
