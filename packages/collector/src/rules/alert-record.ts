/**
 * Turns an engine AlertUpdate into an alert with the contract's field names (id, rule.id,
 * rule.name, severity, status, group, count, first_seen, last_seen, agent.name,
 * threat.technique.id, evidence), as replay --json prints it and the API serves it.
 */
import type { Alert } from '../model.js';
import type { AlertUpdate } from './types.js';

export function toAlert(u: AlertUpdate): Alert {
  const a: Alert = {
    id: u.id, 'rule.id': u.rule.id, 'rule.name': u.rule.name, severity: u.rule.severity, status: u.status,
    group: u.group, count: u.count, first_seen: u.first_seen, last_seen: u.last_seen, evidence: u.evidence,
  };
  if (u.agent) a['agent.name'] = u.agent;
  if (u.rule.technique?.length) {
    a['threat.technique.id'] = u.rule.technique[0];
    if (u.rule.technique.length > 1) a['threat.technique.ids'] = u.rule.technique;
  }
  return a;
}
