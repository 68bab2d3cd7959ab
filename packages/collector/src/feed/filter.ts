/**
 * Feed subscriptions: which alert changes a client wants (severity list, rule id, agent,
 * silenced) and where it resumes (Last-Event-ID header or ?last_event_id=). Parsed the
 * same way for SSE and WebSocket; a bad value names its parameter.
 */
import type { Alert } from '../model.js';

export interface FeedRequest {
  filter: (a: Alert) => boolean;
  /** Resume after this sequence number; undefined = live only. */
  lastEventId?: number;
}

export type Parsed = { ok: true; value: FeedRequest } | { ok: false; parameter: string; error: string };

const SEVERITY = /^P[1-4](,P[1-4])*$/;

export function parseFeedRequest(query: Record<string, unknown>, lastEventIdHeader?: string): Parsed {
  const one = (k: string): string | undefined | null => {
    const v = query[k];
    if (v === undefined) return undefined;
    return typeof v === 'string' ? v : null; // repeated parameter
  };
  const bad = (parameter: string, error: string): Parsed => ({ ok: false, parameter, error: `${parameter}: ${error}` });
  for (const k of Object.keys(query)) {
    if (!['severity', 'rule.id', 'agent', 'silenced', 'last_event_id'].includes(k)) return bad(k, 'unknown parameter');
  }
  const sev = one('severity');
  if (sev === null || (sev !== undefined && !SEVERITY.test(sev))) return bad('severity', 'must be P1..P4, comma-separated');
  const rule = one('rule.id');
  if (rule === null || rule === '') return bad('rule.id', 'must be one rule id');
  const agent = one('agent');
  if (agent === null || agent === '') return bad('agent', 'must be one agent name');
  const silenced = one('silenced');
  if (silenced === null || (silenced !== undefined && silenced !== 'true' && silenced !== 'false')) return bad('silenced', 'must be true or false');
  const resume = one('last_event_id') ?? lastEventIdHeader;
  if (resume === null || (resume !== undefined && !/^\d{1,15}$/.test(resume))) {
    return bad(one('last_event_id') !== undefined ? 'last_event_id' : 'Last-Event-ID', 'must be a feed sequence number');
  }
  const sevs = sev?.split(',');
  const filter = (a: Alert): boolean =>
    (!sevs || sevs.includes(a.severity)) &&
    (rule === undefined || a['rule.id'] === rule) &&
    (agent === undefined || a['agent.name'] === agent) &&
    (silenced === undefined || Boolean(a.silenced) === (silenced === 'true'));
  return { ok: true, value: { filter, lastEventId: resume === undefined ? undefined : Number(resume) } };
}
