/**
 * Event query filters and their translation to SQL over the events table: one WHERE
 * clause shared by paging and counting, using only indexed columns except for `q`,
 * which is a plain substring test (instr), never a pattern.
 */
import type { EventKind } from '../model.js';

export interface EventFilter {
  kind: EventKind;
  agent?: string;
  type?: string;
  sourceIp?: string;
  userName?: string;
  outcome?: string;
  /** Inclusive lower bound on @timestamp, ms. */
  since?: number;
  /** Exclusive upper bound on @timestamp, ms. */
  until?: number;
  /** Substring of message. */
  q?: string;
}

export interface SqlWhere { sql: string; params: unknown[] }

/** True when the filter selects a whole kind, so the kept total answers a count. */
export function isKindOnly(f: EventFilter): boolean {
  return f.agent === undefined && f.type === undefined && f.sourceIp === undefined &&
    f.userName === undefined && f.outcome === undefined && f.since === undefined &&
    f.until === undefined && f.q === undefined;
}

export function whereClause(f: EventFilter, beforeId?: number): SqlWhere {
  const parts = ['kind = ?'];
  const params: unknown[] = [f.kind];
  const eq = (col: string, v: string | undefined) => {
    if (v !== undefined) { parts.push(`${col} = ?`); params.push(v); }
  };
  eq('agent', f.agent);
  eq('type', f.type);
  eq('source_ip', f.sourceIp);
  eq('user_name', f.userName);
  eq('outcome', f.outcome);
  if (f.since !== undefined) { parts.push('ts >= ?'); params.push(f.since); }
  if (f.until !== undefined) { parts.push('ts < ?'); params.push(f.until); }
  if (f.q !== undefined) { parts.push('instr(message, ?) > 0'); params.push(f.q); }
  if (beforeId !== undefined) { parts.push('id < ?'); params.push(beforeId); }
  return { sql: parts.join(' AND '), params };
}
