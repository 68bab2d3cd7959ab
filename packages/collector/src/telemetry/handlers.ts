/**
 * Registers telemetry's wire-body handlers with ingest: `metrics` → kind 'metric',
 * `containerEvent` and `containerState` → kind 'container'. Each stores one event row
 * (ECS fields from fields.ts) and, in the same transaction, updates the telemetry tables.
 */
import { registerBodyHandler } from '../ingest/handlers.js';
import { containerEventFields, containerStateFields, metricFields } from './fields.js';
import type { TelemetryStore } from './store.js';

export function registerTelemetryHandlers(store: TelemetryStore): void {
  registerBodyHandler('metrics', {
    kind: 'metric',
    toFields: (ev, agent) => metricFields(ev, agent),
    afterInsert: (_db, stored, ev) => store.addMetrics(stored.agent, ev.timeMs, ev.metrics!),
  });
  registerBodyHandler('containerEvent', {
    kind: 'container',
    toFields: (ev, agent) => containerEventFields(ev, agent, store.knownState(agent, ev.containerEvent!.id)),
    afterInsert: (_db, stored, ev) => store.addContainerEvent(stored.id, stored.agent, ev.containerEvent!.id, ev.timeMs, stored.fields),
  });
  registerBodyHandler('containerState', {
    kind: 'container',
    toFields: (ev, agent) => containerStateFields(ev, agent),
    afterInsert: (_db, stored, ev) => store.setState(stored.agent, ev.timeMs, ev.containerState!),
  });
}
