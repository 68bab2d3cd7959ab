/**
 * The ingest path's Prometheus counters: events stored by kind, batches, bytes
 * received, duplicates skipped, refusals by reason (unauthorized, malformed_frame,
 * frame_too_large, before_hello, ...), backpressure pauses and agent values cut (field-caps.ts).
 */
import type { Counter, MetricsRegistry } from '../metrics/registry.js';

export interface IngestCounters {
  events: Counter; batches: Counter; bytes: Counter; duplicates: Counter; rejects: Counter; paused: Counter; truncated: Counter;
}

export function createIngestCounters(m: MetricsRegistry): IngestCounters {
  return {
    events: m.counter('vigil_ingest_events_total', 'Events stored, by kind.'),
    batches: m.counter('vigil_ingest_batches_total', 'Batches committed.'),
    bytes: m.counter('vigil_ingest_bytes_total', 'Frame bytes received from agents, as decoded (after inflating).'),
    duplicates: m.counter('vigil_ingest_duplicates_total', 'Events skipped as already stored.'),
    rejects: m.counter('vigil_ingest_rejects_total', 'Refused upgrades and closed sessions, by reason.'),
    truncated: m.counter('vigil_ingest_truncated_values_total', 'Strings from agents cut to their cap (or map entries dropped), by field.'),
    paused: m.counter('vigil_ingest_paused_total', 'Times an agent socket stopped being read because batches queued behind the writer (backpressure).'),
  };
}
