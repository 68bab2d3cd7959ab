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
import { probeCommands, type ProbeResultArgs } from './probe-commands.js';

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

/** The probe_results row of a stored probe event, as the write command's arguments. */
export function probeResultArgs(stored: StoredEvent): ProbeResultArgs {
  const f = stored.fields;
  const dur = f['event.duration'];
  return {
    eventId: stored.id, agent: stored.agent, name: String(f['probe.name']), ts: Date.parse(String(f['@timestamp'])),
    url: (f['url.full'] as string | undefined) ?? null, success: f['event.outcome'] === 'success' ? 1 : 0,
    status: (f['http.response.status_code'] as number | undefined) ?? null,
    latencyMs: typeof dur === 'number' ? dur / 1e6 : null, error: (f['error.message'] as string | undefined) ?? null,
  };
}

/** Stores a probe event's probe_results row on `db`, inside the caller's transaction (seeding). */
export function insertProbeResult(db: DB, stored: StoredEvent): void {
  probeCommands['compliance.probe'](db)(probeResultArgs(stored));
}

export const probeHandler: BodyHandler = {
  kind: 'probe',
  toFields: probeFields,
  derive: (stored) => [['compliance.probe', probeResultArgs(stored)]],
};
