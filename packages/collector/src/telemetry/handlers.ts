/**
 * Registers telemetry's wire-body handlers with ingest: `metrics` → kind 'metric',
 * `containerEvent` and `containerState` → kind 'container'. Each stores one event row
 * (ECS fields from fields.ts) and, in the same transaction, updates the telemetry tables.
 * Enum values from agents pass the EnumGuard first (enums.ts): unknown ones never land.
 */
import { registerBodyHandler } from '../ingest/handlers.js';
import { containerEventFields, containerStateFields, metricFields } from './fields.js';
import type { EnumGuard } from './enums.js';
import type { TelemetryStore } from './store.js';

export function registerTelemetryHandlers(store: TelemetryStore, guard: EnumGuard): void {
  registerBodyHandler('metrics', {
    kind: 'metric',
    toFields: (ev, agent) => metricFields(ev, agent),
    afterInsert: (_db, stored, ev) => store.addMetrics(stored.agent, ev.timeMs, ev.metrics!),
  });
  // toFields runs first and puts the checked body back on the event (this batch's own
  // decoded object), so afterInsert stores the same checked values.
  registerBodyHandler('containerEvent', {
    kind: 'container',
    toFields: (ev, agent) => {
      const e = (ev.containerEvent = guard.containerEvent(ev.containerEvent!, agent));
      return containerEventFields(ev, agent, store.knownState(agent, e.id));
    },
    afterInsert: (_db, stored, ev) => store.addContainerEvent(stored.id, stored.agent, ev.containerEvent!.id, ev.timeMs, stored.fields),
  });
  registerBodyHandler('containerState', {
    kind: 'container',
    toFields: (ev, agent) => {
      ev.containerState = guard.containerState(ev.containerState!, agent);
      return containerStateFields(ev, agent);
    },
    afterInsert: (_db, stored, ev) => store.setState(stored.agent, ev.timeMs, ev.containerState!),
  });
}
