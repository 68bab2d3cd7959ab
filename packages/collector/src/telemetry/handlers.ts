/**
 * Registers telemetry's wire-body handlers with ingest: `metrics` → kind 'metric',
 * `containerEvent` and `containerState` → kind 'container'. Each stores one event row
 * (ECS fields from fields.ts) and, in the same transaction, the derived telemetry rows
 * (commands of store.ts, as plain data). Enum values from agents pass the EnumGuard first
 * (enums.ts): unknown ones never land.
 */
import type { ContainerState } from '@vigil/proto';
import type { BodyHandlers } from '../ingest/handlers.js';
import { containerEventFields, containerStateFields, metricFields } from './fields.js';
import type { EnumGuard } from './enums.js';
import type { ContainerStateArgs, MetricsArgs, TelemetryStore } from './store.js';

function stateArgs(agent: string, ts: number, c: ContainerState): ContainerStateArgs {
  return {
    agent, id: c.id, name: c.name ?? '', image: c.image ?? '', state: c.state || 'unknown', health: c.health || 'none',
    restart_count: c.restartCount ?? 0, exit_code: c.exitCode ?? 0, oom_killed: c.oomKilled ? 1 : 0,
    cpu_pct: c.cpuPct ?? null, memory_usage: c.memoryUsage ?? null, memory_limit: c.memoryLimit ?? null,
    labels: JSON.stringify(c.labels ?? {}), started_at: c.startedAtMs ?? null, finished_at: c.finishedAtMs ?? null,
    removed: c.removed ? 1 : 0, updated: ts,
  };
}

export function registerTelemetryHandlers(bodies: BodyHandlers, store: TelemetryStore, guard: EnumGuard): void {
  bodies.register('metrics', {
    kind: 'metric',
    toFields: (ev, agent) => metricFields(ev, agent),
    derive: (stored, ev) => {
      const m = ev.metrics!;
      const samples: MetricsArgs['samples'] = (m.samples ?? []).map((s) => ({ name: s.name, value: s.value, labels: s.labels ? { ...s.labels } : undefined }));
      return [['telemetry.metrics', { agent: stored.agent, ts: ev.timeMs, hostName: m.hostName || null, samples } satisfies MetricsArgs]];
    },
  });
  // toFields runs first and puts the checked body back on the event (this batch's own
  // decoded object), so derive stores the same checked values.
  bodies.register('containerEvent', {
    kind: 'container',
    toFields: (ev, agent) => {
      const e = (ev.containerEvent = guard.containerEvent(ev.containerEvent!, agent));
      return containerEventFields(ev, agent, store.knownState(agent, e.id));
    },
    derive: (stored, ev) => [['telemetry.containerEvent',
      { eventId: stored.id, agent: stored.agent, containerId: ev.containerEvent!.id, ts: ev.timeMs, fields: JSON.stringify(stored.fields) }]],
  });
  bodies.register('containerState', {
    kind: 'container',
    toFields: (ev, agent) => {
      ev.containerState = guard.containerState(ev.containerState!, agent);
      return containerStateFields(ev, agent);
    },
    derive: (stored, ev) => [['telemetry.containerState', stateArgs(stored.agent, ev.timeMs, ev.containerState!)]],
  });
}
