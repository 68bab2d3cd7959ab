/**
 * Read side of telemetry, shaped as the contract's answers: hosts with their latest
 * gauges, containers with their current state, a container's lifecycle events (newest
 * first), and metric series merged from raw samples (last 24 h) and minute averages
 * (older), bucketed by `step` when asked. Series points are newest first, like every answer.
 */
import { bytesOf, fitPage, fitSerialized, rowsByIds, type SizedRow } from '../store/page-budget.js';
import type { DB } from '../store/db.js';
import { RAW_KEEP_MS } from './schema.js';

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());
const MAX_POINTS = 10_000;

export function listHosts(db: DB): unknown[] {
  const hosts = db.prepare('SELECT agent, host_name, last_sample FROM hosts ORDER BY agent').all() as Array<{ agent: string; host_name: string | null; last_sample: number }>;
  const latest = db.prepare(`SELECT name, labels, value FROM metric_latest WHERE agent = ? AND name NOT LIKE 'container.%'`);
  return hosts.map((h) => {
    const rows = latest.all(h.agent) as Array<{ name: string; labels: string; value: number }>;
    const v = (n: string) => rows.find((r) => r.name === n && r.labels === '')?.value ?? null;
    const fs = new Map<string, Record<string, unknown>>();
    for (const r of rows) {
      if (!r.name.startsWith('fs.') || !r.labels) continue;
      const l = JSON.parse(r.labels) as Record<string, string>;
      const e = fs.get(l.mount) ?? { mount: l.mount, device: l.device, fstype: l.fstype };
      e[r.name.slice(3)] = r.value;
      fs.set(l.mount, e);
    }
    return {
      name: h.agent, 'host.name': h.host_name, 'cpu.pct': v('cpu.pct'), 'memory.pct': v('memory.pct'),
      'load.1': v('load.1'), 'load.5': v('load.5'), 'load.15': v('load.15'),
      'memory.used': v('memory.used'), 'memory.total': v('memory.total'),
      'swap.used': v('swap.used'), 'swap.total': v('swap.total'), 'uptime.s': v('uptime.s'),
      boot_time: iso(v('boot_time.ms')), filesystems: [...fs.values()], last_sample: iso(h.last_sample),
    };
  });
}

interface StateRow {
  agent: string; id: string; name: string; image: string; state: string; health: string; restart_count: number;
  exit_code: number; oom_killed: number; cpu_pct: number | null; memory_usage: number | null; memory_limit: number | null;
  labels: string; started_at: number | null; finished_at: number | null; updated: number;
}

/**
 * Containers not removed, most recently first seen first (row id descending), at most `limit`
 * rows and `maxBytes` of them (page-budget.ts); `next` is the row id the next page continues below.
 */
export function listContainers(db: DB, agent: string | undefined, limit: number, maxBytes = Infinity, beforeRow?: number): { containers: unknown[]; next: number | null } {
  const size = ['id', 'name', 'image', 'state', 'health', 'labels', 'agent'].map((c) => `coalesce(${bytesOf(c)}, 0)`).join(' + ');
  const sizes = db.prepare(`SELECT rowid AS id, ${size} + 256 AS n FROM container_state
    WHERE removed = 0 AND (? IS NULL OR agent = ?) AND (? IS NULL OR rowid < ?) ORDER BY rowid DESC LIMIT ?`)
    .all(agent ?? null, agent ?? null, beforeRow ?? null, beforeRow ?? null, limit + 1) as SizedRow[];
  const { ids, more } = fitPage(sizes, limit, maxBytes);
  const rows = db.prepare('SELECT rowid AS row, * FROM container_state WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid DESC')
    .all(JSON.stringify(ids)) as Array<StateRow & { row: number }>;
  const containers = rows.map((r) => ({
    id: r.id, name: r.name, image: r.image, state: r.state, health: r.health, restart_count: r.restart_count,
    exit_code: r.exit_code, oom_killed: r.oom_killed === 1, 'cpu.pct': r.cpu_pct, 'memory.usage': r.memory_usage,
    'memory.limit': r.memory_limit, 'agent.name': r.agent, labels: JSON.parse(r.labels || '{}'),
    started_at: iso(r.started_at), finished_at: iso(r.finished_at), updated: iso(r.updated),
  }));
  const fit = fitSerialized(containers, maxBytes);
  const next = fit < containers.length || more ? rows[fit - 1].row : null;
  return { containers: containers.slice(0, fit), next };
}

/** Where a page of container events continues: below this (ts, row id). */
export interface ContainerEventsAfter { ts: number; id: number }

/**
 * Lifecycle events of a container by full id or unique prefix (>= 4 chars), newest first,
 * at most `limit` rows and `maxBytes` of them (page-budget.ts); `next` continues the page.
 */
export function containerEvents(db: DB, id: string, limit: number, maxBytes = Infinity, after?: ContainerEventsAfter): { events: unknown[]; next: ContainerEventsAfter | null } {
  const below = after ? 'AND (ts < ? OR (ts = ? AND id < ?))' : '';
  const sizes = db.prepare(`SELECT id, ts, ${bytesOf('fields')} AS n FROM container_events
    WHERE container_id >= ? AND container_id < ? ${below} ORDER BY ts DESC, id DESC LIMIT ?`)
    .all(id, id + '\uffff', ...(after ? [after.ts, after.ts, after.id] : []), limit + 1) as Array<SizedRow & { ts: number }>;
  const { ids, more } = fitPage(sizes, limit, maxBytes);
  const rows = rowsByIds<{ event_id: number; fields: string }>(db, 'container_events', 'id', ids);
  const events = rows.map((r) => ({ id: r.event_id, ...(JSON.parse(r.fields) as object) }));
  const fit = fitSerialized(events, maxBytes);
  const last = sizes[fit - 1];
  return { events: events.slice(0, fit), next: fit < events.length || more ? { ts: last.ts, id: last.id } : null };
}

export interface SeriesQuery { agent?: string; name: string; since?: number; until?: number; stepMs?: number; now: number }

export function querySeries(db: DB, q: SeriesQuery): Array<{ name: string; 'agent.name': string; labels: Record<string, string>; points: Array<[string, number]> }> {
  const since = q.since ?? 0, until = q.until ?? Number.MAX_SAFE_INTEGER;
  const rawFrom = Math.max(since, q.now - RAW_KEEP_MS);
  const step = Math.max(1, q.stepMs ?? 1);
  const buckets = new Map<string, Map<number, [number, number]>>(); // series -> t -> [sum, count]
  const add = (agent: string, labels: string, t: number, sum: number, count: number) => {
    const key = JSON.stringify([agent, labels]);
    let m = buckets.get(key);
    if (!m) buckets.set(key, (m = new Map()));
    const b = m.get(t) ?? [0, 0];
    b[0] += sum; b[1] += count;
    m.set(t, b);
  };
  type Row = { agent: string; labels: string; t: number; s: number; c: number };
  const minuteRows = db.prepare(`SELECT agent, labels, (minute / ?) * ? AS t, SUM(sum) AS s, SUM(count) AS c FROM metric_minute
    WHERE name = ? AND (? IS NULL OR agent = ?) AND minute >= ? AND minute <= ? AND minute < ?
    GROUP BY agent, labels, t`).all(step, step, q.name, q.agent ?? null, q.agent ?? null, since, until, rawFrom) as Row[];
  for (const r of minuteRows) add(r.agent, r.labels, r.t, r.s, r.c);
  const rawRows = db.prepare(`SELECT agent, labels, (ts / ?) * ? AS t, SUM(value) AS s, COUNT(*) AS c FROM metric_raw
    WHERE name = ? AND (? IS NULL OR agent = ?) AND ts >= ? AND ts <= ? GROUP BY agent, labels, t`)
    .all(step, step, q.name, q.agent ?? null, q.agent ?? null, rawFrom, until) as Row[];
  for (const r of rawRows) add(r.agent, r.labels, r.t, r.s, r.c);
  return [...buckets].map(([key, m]) => {
    const [agent, labels] = JSON.parse(key) as [string, string];
    const points = [...m].sort((a, b) => b[0] - a[0]).slice(0, MAX_POINTS)
      .map(([t, [s, c]]) => [new Date(t).toISOString(), s / c] as [string, number]);
    return { name: q.name, 'agent.name': agent, labels: labels ? JSON.parse(labels) : {}, points };
  });
}
