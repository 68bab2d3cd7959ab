/**
 * Maps rows of the alerts and alert_history tables to the API's shapes: the contract's
 * alert fields (id, rule.id, severity, group, count, ...) plus the store's bookkeeping
 * (opened_at, acknowledged_by, silenced, ...). Wall-clock columns become RFC 3339.
 */
import type { Alert, AlertStatus, Severity } from '../model.js';

export interface AlertRow {
  id: number; key: string; rule_id: string; rule_name: string; severity: string;
  technique: string | null; grp: string; agent: string | null; count: number;
  first_seen: string; last_seen: string; last_seen_ms: number; evidence: string;
  status: string; silence_id: number | null; opened_at: number; updated_at: number;
  acknowledged_at: number | null; acknowledged_by: string | null;
  resolved_at: number | null; resolved_by: string | null; escalated_at: number | null;
}

export interface HistoryRow { id: number; alert_id: number; at: number; who: string; action: string; status: string }

export interface HistoryEntry { at: string; who: string; action: string; status: AlertStatus }

const iso = (ms: number | null): string | null => (ms == null ? null : new Date(ms).toISOString());

export function rowToAlert(r: AlertRow): Alert {
  const a: Alert = {
    id: String(r.id),
    'rule.id': r.rule_id,
    'rule.name': r.rule_name,
    severity: r.severity as Severity,
    status: r.status as AlertStatus,
    group: JSON.parse(r.grp) as Record<string, string>,
    count: r.count,
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    evidence: JSON.parse(r.evidence) as Array<number | string>,
    silenced: r.silence_id != null,
    opened_at: iso(r.opened_at),
    updated_at: iso(r.updated_at),
    acknowledged_at: iso(r.acknowledged_at),
    acknowledged_by: r.acknowledged_by,
    resolved_at: iso(r.resolved_at),
    resolved_by: r.resolved_by,
  };
  if (r.agent != null) a['agent.name'] = r.agent;
  if (r.technique != null) a['threat.technique.id'] = r.technique;
  if (r.silence_id != null) a.silence_id = String(r.silence_id);
  if (r.escalated_at != null) a.escalated_at = iso(r.escalated_at);
  return a;
}

export function rowToHistory(r: HistoryRow): HistoryEntry {
  return { at: new Date(r.at).toISOString(), who: r.who, action: r.action, status: r.status as AlertStatus };
}
