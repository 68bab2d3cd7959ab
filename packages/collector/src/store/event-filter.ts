/**
 * Event query filters and their translation to SQL over the events table: one WHERE
 * clause shared by paging and counting, using only indexed columns except for `q`,
 * which is a plain substring test (instr), never a pattern. Log lines (nearly every
 * row) are paged by id; other kinds have a partial (kind, ts) index; filters by agent,
 * type, address, user or time are planned bucket by bucket (store/event-lookup.ts).
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

const KINDS = new Set<string>(['log', 'metric', 'container', 'probe', 'loss', 'audit']);

export function whereClause(f: EventFilter, beforeId?: number): SqlWhere {
  // The kind is a literal from the fixed set (never the caller's text); other kinds repeat
  // the partial index's own term, which is how SQLite knows it may use events_kind_ts_other.
  if (!KINDS.has(f.kind)) throw new Error(`unknown event kind: ${String(f.kind)}`);
  const parts = f.kind === 'log' ? ["kind = 'log'"] : [`kind = '${f.kind}'`, "kind <> 'log'"];
  const params: unknown[] = [];
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
