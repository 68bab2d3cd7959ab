/**
 * Telemetry's tables (schema.ts) as write commands, run by the store's writer inside an
 * agent batch's transaction (derived operations of metrics and container bodies): metric
 * samples (raw, minute aggregate, latest, host), container state upserts, container
 * lifecycle events; and pruning by age in small chunks (raw > 24 h, minutes > 30 days).
 * TelemetryStore keeps the tables' migration and the reads decoding needs.
 */
import type { DB } from '../store/db.js';
import type { CommandTable } from '../store/writer/types.js';
import { EVENTS_KEEP_MS, MINUTE_KEEP_MS, RAW_KEEP_MS, migrateTelemetry } from './schema.js';

/** Canonical label key: sorted JSON, '' when there are none. */
export function labelKey(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (!keys.length) return '';
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, labels![k]])));
}

/** One metrics body, as plain data. */
export interface MetricsArgs {
  agent: string; ts: number; hostName: string | null;
  samples: Array<{ name: string; value: number; labels?: Record<string, string> }>;
}

/** One container state body, as plain data (the columns of container_state). */
export interface ContainerStateArgs {
  agent: string; id: string; name: string; image: string; state: string; health: string;
  restart_count: number; exit_code: number; oom_killed: number; cpu_pct: number | null;
  memory_usage: number | null; memory_limit: number | null; labels: string;
  started_at: number | null; finished_at: number | null; removed: number; updated: number;
}

export interface ContainerEventArgs { eventId: number; agent: string; containerId: string; ts: number; fields: string }

export const telemetryCommands = {
  'telemetry.metrics': (db: DB) => {
    const raw = db.prepare('INSERT INTO metric_raw (agent, name, labels, ts, value) VALUES (?, ?, ?, ?, ?)');
    const minuteRow = db.prepare(`INSERT INTO metric_minute (agent, name, labels, minute, sum, count) VALUES (?, ?, ?, ?, ?, 1)
      ON CONFLICT (agent, name, labels, minute) DO UPDATE SET sum = sum + excluded.sum, count = count + 1`);
    const latest = db.prepare(`INSERT INTO metric_latest (agent, name, labels, ts, value) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (agent, name, labels) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= ts`);
    const host = db.prepare(`INSERT INTO hosts (agent, host_name, last_sample) VALUES (?, ?, ?)
      ON CONFLICT (agent) DO UPDATE SET host_name = coalesce(excluded.host_name, host_name),
      last_sample = max(last_sample, excluded.last_sample)`);
    const usageRow = db.prepare(`UPDATE container_state SET cpu_pct = coalesce(?, cpu_pct), memory_usage = coalesce(?, memory_usage),
      memory_limit = coalesce(?, memory_limit) WHERE agent = ? AND id = ?`);
    return ({ agent, ts, hostName, samples }: MetricsArgs): null => {
      const minute = ts - (ts % 60_000);
      let hostSample = false;
      const usage = new Map<string, { cpu?: number; mem?: number; limit?: number }>();
      for (const s of samples) {
        if (!s.name || typeof s.value !== 'number' || !Number.isFinite(s.value)) continue;
        const labels = labelKey(s.labels);
        raw.run(agent, s.name, labels, ts, s.value);
        minuteRow.run(agent, s.name, labels, minute, s.value);
        latest.run(agent, s.name, labels, ts, s.value);
        const cid = s.labels?.['container.id'];
        if (cid && s.name.startsWith('container.')) {
          const u = usage.get(cid) ?? {};
          if (s.name === 'container.cpu.pct') u.cpu = s.value;
          else if (s.name === 'container.memory.usage') u.mem = s.value;
          else if (s.name === 'container.memory.limit') u.limit = s.value;
          usage.set(cid, u);
        } else hostSample = true;
      }
      if (hostSample || hostName) host.run(agent, hostName || null, ts);
      for (const [id, u] of usage) usageRow.run(u.cpu ?? null, u.mem ?? null, u.limit ?? null, agent, id);
      return null;
    };
  },
  'telemetry.containerState': (db: DB) => {
    const state = db.prepare(`INSERT INTO container_state (agent, id, name, image, state, health, restart_count, exit_code,
      oom_killed, cpu_pct, memory_usage, memory_limit, labels, started_at, finished_at, removed, updated)
      VALUES (@agent, @id, @name, @image, @state, @health, @restart_count, @exit_code, @oom_killed, @cpu_pct,
      @memory_usage, @memory_limit, @labels, @started_at, @finished_at, @removed, @updated)
      ON CONFLICT (agent, id) DO UPDATE SET name = excluded.name, image = excluded.image, state = excluded.state,
      health = excluded.health, restart_count = excluded.restart_count, exit_code = excluded.exit_code,
      oom_killed = excluded.oom_killed, cpu_pct = coalesce(excluded.cpu_pct, cpu_pct),
      memory_usage = coalesce(excluded.memory_usage, memory_usage), memory_limit = coalesce(excluded.memory_limit, memory_limit),
      labels = excluded.labels, started_at = excluded.started_at, finished_at = excluded.finished_at,
      removed = excluded.removed, updated = excluded.updated WHERE excluded.updated >= updated`);
    return (a: ContainerStateArgs): null => { state.run(a); return null; };
  },
  'telemetry.containerEvent': (db: DB) => {
    const event = db.prepare('INSERT INTO container_events (event_id, agent, container_id, ts, fields) VALUES (?, ?, ?, ?, ?)');
    return (a: ContainerEventArgs): null => { event.run(a.eventId, a.agent, a.containerId, a.ts, a.fields); return null; };
  },
  /** Deletes expired rows, at most `chunk` per table; returns how many went. */
  'telemetry.prune': (db: DB) => {
    const raw = db.prepare('DELETE FROM metric_raw WHERE rowid IN (SELECT rowid FROM metric_raw WHERE ts < ? LIMIT ?)');
    const minute = db.prepare(`DELETE FROM metric_minute WHERE (agent, name, labels, minute) IN
      (SELECT agent, name, labels, minute FROM metric_minute WHERE minute < ? LIMIT ?)`);
    const events = db.prepare('DELETE FROM container_events WHERE id IN (SELECT id FROM container_events WHERE ts < ? LIMIT ?)');
    return ({ now, chunk }: { now: number; chunk: number }): number =>
      raw.run(now - RAW_KEEP_MS, chunk).changes + minute.run(now - MINUTE_KEEP_MS, chunk).changes + events.run(now - EVENTS_KEEP_MS, chunk).changes;
  },
} satisfies CommandTable;

/** Creates telemetry's tables on `db` and answers the reads decoding needs. */
export class TelemetryStore {
  private readonly stateOf;
  constructor(private readonly db: DB) {
    migrateTelemetry(db);
    this.stateOf = db.prepare('SELECT restart_count, oom_killed FROM container_state WHERE agent = ? AND id = ?');
  }

  knownState(agent: string, id: string): { restart_count: number; oom_killed: number } | undefined {
    return this.stateOf.get(agent, id) as { restart_count: number; oom_killed: number } | undefined;
  }

  /** Prunes on this store's own connection, in one transaction (tests, tools); the collector sends 'telemetry.prune'. */
  prune(now: number, chunk = 5000): number {
    const run = telemetryCommands['telemetry.prune'](this.db);
    return this.db.transaction(() => run({ now, chunk }))();
  }
}
