/**
 * Writes telemetry into its tables (schema.ts) inside ingest's batch transaction: metric
 * samples (raw, minute aggregate, latest, host), container state upserts, container
 * lifecycle events; and prunes by age in small chunks (raw > 24 h, minutes > 30 days).
 */
import type { ContainerState, Metrics } from '@vigil/proto';
import type { DB } from '../store/db.js';
import type { EcsFields } from '../model.js';
import { EVENTS_KEEP_MS, MINUTE_KEEP_MS, RAW_KEEP_MS, migrateTelemetry } from './schema.js';

/** Canonical label key: sorted JSON, '' when there are none. */
export function labelKey(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (!keys.length) return '';
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, labels![k]])));
}

export class TelemetryStore {
  private s;
  constructor(private db: DB) {
    migrateTelemetry(db);
    this.s = {
      raw: db.prepare('INSERT INTO metric_raw (agent, name, labels, ts, value) VALUES (?, ?, ?, ?, ?)'),
      minute: db.prepare(`INSERT INTO metric_minute (agent, name, labels, minute, sum, count) VALUES (?, ?, ?, ?, ?, 1)
        ON CONFLICT (agent, name, labels, minute) DO UPDATE SET sum = sum + excluded.sum, count = count + 1`),
      latest: db.prepare(`INSERT INTO metric_latest (agent, name, labels, ts, value) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (agent, name, labels) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= ts`),
      host: db.prepare(`INSERT INTO hosts (agent, host_name, last_sample) VALUES (?, ?, ?)
        ON CONFLICT (agent) DO UPDATE SET host_name = coalesce(excluded.host_name, host_name),
        last_sample = max(last_sample, excluded.last_sample)`),
      usage: db.prepare(`UPDATE container_state SET cpu_pct = coalesce(?, cpu_pct), memory_usage = coalesce(?, memory_usage),
        memory_limit = coalesce(?, memory_limit) WHERE agent = ? AND id = ?`),
      state: db.prepare(`INSERT INTO container_state (agent, id, name, image, state, health, restart_count, exit_code,
        oom_killed, cpu_pct, memory_usage, memory_limit, labels, started_at, finished_at, removed, updated)
        VALUES (@agent, @id, @name, @image, @state, @health, @restart_count, @exit_code, @oom_killed, @cpu_pct,
        @memory_usage, @memory_limit, @labels, @started_at, @finished_at, @removed, @updated)
        ON CONFLICT (agent, id) DO UPDATE SET name = excluded.name, image = excluded.image, state = excluded.state,
        health = excluded.health, restart_count = excluded.restart_count, exit_code = excluded.exit_code,
        oom_killed = excluded.oom_killed, cpu_pct = coalesce(excluded.cpu_pct, cpu_pct),
        memory_usage = coalesce(excluded.memory_usage, memory_usage), memory_limit = coalesce(excluded.memory_limit, memory_limit),
        labels = excluded.labels, started_at = excluded.started_at, finished_at = excluded.finished_at,
        removed = excluded.removed, updated = excluded.updated WHERE excluded.updated >= updated`),
      stateOf: db.prepare('SELECT restart_count, oom_killed FROM container_state WHERE agent = ? AND id = ?'),
      event: db.prepare('INSERT INTO container_events (event_id, agent, container_id, ts, fields) VALUES (?, ?, ?, ?, ?)'),
    };
  }

  addMetrics(agent: string, ts: number, m: Metrics): void {
    const minute = ts - (ts % 60_000);
    let hostSample = false;
    const usage = new Map<string, { cpu?: number; mem?: number; limit?: number }>();
    for (const s of m.samples ?? []) {
      if (!s.name || typeof s.value !== 'number' || !Number.isFinite(s.value)) continue;
      const labels = labelKey(s.labels);
      this.s.raw.run(agent, s.name, labels, ts, s.value);
      this.s.minute.run(agent, s.name, labels, minute, s.value);
      this.s.latest.run(agent, s.name, labels, ts, s.value);
      const cid = s.labels?.['container.id'];
      if (cid && s.name.startsWith('container.')) {
        const u = usage.get(cid) ?? {};
        if (s.name === 'container.cpu.pct') u.cpu = s.value;
        else if (s.name === 'container.memory.usage') u.mem = s.value;
        else if (s.name === 'container.memory.limit') u.limit = s.value;
        usage.set(cid, u);
      } else hostSample = true;
    }
    if (hostSample || m.hostName) this.s.host.run(agent, m.hostName || null, ts);
    for (const [id, u] of usage) this.s.usage.run(u.cpu ?? null, u.mem ?? null, u.limit ?? null, agent, id);
  }

  setState(agent: string, ts: number, c: ContainerState): void {
    this.s.state.run({
      agent, id: c.id, name: c.name ?? '', image: c.image ?? '', state: c.state || 'unknown', health: c.health || 'none',
      restart_count: c.restartCount ?? 0, exit_code: c.exitCode ?? 0, oom_killed: c.oomKilled ? 1 : 0,
      cpu_pct: c.cpuPct ?? null, memory_usage: c.memoryUsage ?? null, memory_limit: c.memoryLimit ?? null,
      labels: JSON.stringify(c.labels ?? {}), started_at: c.startedAtMs ?? null, finished_at: c.finishedAtMs ?? null,
      removed: c.removed ? 1 : 0, updated: ts,
    });
  }

  knownState(agent: string, id: string): { restart_count: number; oom_killed: number } | undefined {
    return this.s.stateOf.get(agent, id) as { restart_count: number; oom_killed: number } | undefined;
  }

  addContainerEvent(eventId: number, agent: string, containerId: string, ts: number, fields: EcsFields): void {
    this.s.event.run(eventId, agent, containerId, ts, JSON.stringify(fields));
  }

  /** Deletes expired rows, at most `chunk` per table per call; returns how many went. */
  prune(now: number, chunk = 5000): number {
    let n = 0;
    const del = (sql: string, cutoff: number) => { n += this.db.prepare(sql).run(cutoff, chunk).changes; };
    del('DELETE FROM metric_raw WHERE rowid IN (SELECT rowid FROM metric_raw WHERE ts < ? LIMIT ?)', now - RAW_KEEP_MS);
    del(`DELETE FROM metric_minute WHERE (agent, name, labels, minute) IN
      (SELECT agent, name, labels, minute FROM metric_minute WHERE minute < ? LIMIT ?)`, now - MINUTE_KEEP_MS);
    del('DELETE FROM container_events WHERE id IN (SELECT id FROM container_events WHERE ts < ? LIMIT ?)', now - EVENTS_KEEP_MS);
    return n;
  }
}
