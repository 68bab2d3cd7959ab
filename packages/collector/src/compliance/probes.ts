/**
 * The collector side of HTTP probes: how a wire `probe` body becomes a stored event
 * (kind 'probe', ECS-ish fields) and the probe_results row kept beside it in the same
 * transaction, from which availability, p95 latency, error rate and probe cadence are
 * computed.
 */
import type { Event } from '@vigil/proto';
import type { DB } from '../store/db.js';
import type { EcsFields, StoredEvent } from '../model.js';
import type { BodyHandler } from '../ingest/handlers.js';

export function probeFields(ev: Event, agent: string): EcsFields {
  const p = ev.probe;
  if (!p) throw new Error('probe handler called for an event without a probe body');
  const outcome = p.success ? 'success' : 'failure';
  const f: EcsFields = {
    '@timestamp': new Date(ev.timeMs).toISOString(),
    message: `probe ${p.name} ${outcome}${p.statusCode ? ` ${p.statusCode}` : ''}${p.error ? `: ${p.error}` : ''}`,
    'event.kind': 'metric',
    'event.category': ['web'],
    'event.dataset': 'vigil.probe',
    'event.outcome': outcome,
    'probe.name': p.name,
    'agent.name': agent,
  };
  if (p.url) f['url.full'] = p.url;
  if (p.statusCode) f['http.response.status_code'] = p.statusCode;
  if (typeof p.latencyMs === 'number') f['event.duration'] = Math.round(p.latencyMs * 1e6);
  if (p.error) f['error.message'] = p.error;
  return f;
}

export function insertProbeResult(db: DB, stored: StoredEvent): void {
  const f = stored.fields;
  const ts = Date.parse(String(f['@timestamp']));
  const dur = f['event.duration'];
  db.prepare(`INSERT OR IGNORE INTO probe_results (event_id, agent, name, ts, url, success, status_code, latency_ms, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    stored.id, stored.agent, String(f['probe.name']), ts, (f['url.full'] as string | undefined) ?? null,
    f['event.outcome'] === 'success' ? 1 : 0, (f['http.response.status_code'] as number | undefined) ?? null,
    typeof dur === 'number' ? dur / 1e6 : null, (f['error.message'] as string | undefined) ?? null);
  db.prepare(`INSERT INTO probe_names (name, last_ts, last_event_id) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET last_ts = MAX(last_ts, excluded.last_ts),
       last_event_id = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last_event_id ELSE last_event_id END`).run(
    String(f['probe.name']), ts, stored.id);
}

export const probeHandler: BodyHandler = {
  kind: 'probe',
  toFields: probeFields,
  afterInsert: (db, stored) => insertProbeResult(db, stored),
};
