/**
 * Prometheus gauges of the latest telemetry, computed at scrape time from metric_latest
 * and container_state: per agent, host CPU/memory/load/filesystem use; per container,
 * CPU, memory usage and limit, restarts, running, OOM-killed and unhealthy flags.
 * Registered on the core's metrics registry through its gauge(name, help, provider) port.
 */
import type { DB } from '../store/db.js';

type Labels = Record<string, string>;
export interface GaugePort { gauge(name: string, help: string, provider: () => number | Array<{ labels?: Labels; value: number }>): void }

const STALE_MS = 15 * 60_000; // host samples older than this are not exported

export function registerTelemetryGauges(reg: GaugePort, db: DB, now: () => number): void {
  const host = (metric: string) => () => (db.prepare(`SELECT agent, labels, value FROM metric_latest
      WHERE name = ? AND ts >= ?`).all(metric, now() - STALE_MS) as Array<{ agent: string; labels: string; value: number }>)
    .map((r) => {
      const l = r.labels ? (JSON.parse(r.labels) as Labels) : {};
      const labels: Labels = l.mount ? { agent: r.agent, mount: l.mount } : { agent: r.agent };
      return { labels, value: r.value };
    });
  reg.gauge('vigil_host_cpu_percent', 'Host CPU use, percent of all cores (latest sample)', host('cpu.pct'));
  reg.gauge('vigil_host_memory_percent', 'Host memory in use, percent (latest sample)', host('memory.pct'));
  reg.gauge('vigil_host_load1', 'Host 1-minute load average (latest sample)', host('load.1'));
  reg.gauge('vigil_host_filesystem_used_percent', 'Filesystem space used, percent, by mount (latest sample)', host('fs.used_pct'));

  const containers = (expr: string) => () => (db.prepare(`SELECT agent, id, name, ${expr} AS v FROM container_state
      WHERE removed = 0`).all() as Array<{ agent: string; id: string; name: string; v: number | null }>)
    .filter((r) => r.v != null)
    .map((r) => ({ labels: { agent: r.agent, container_id: r.id.slice(0, 12), container_name: r.name }, value: r.v! }));
  reg.gauge('vigil_container_cpu_percent', 'Container CPU use, percent of one core (latest sample)', containers('cpu_pct'));
  reg.gauge('vigil_container_memory_usage_bytes', 'Container memory usage without file cache', containers('memory_usage'));
  reg.gauge('vigil_container_memory_limit_bytes', 'Container memory limit (absent when unlimited)', containers('memory_limit'));
  reg.gauge('vigil_container_restart_count', 'Restarts Docker made under the restart policy', containers('restart_count'));
  reg.gauge('vigil_container_running', '1 when the container is running', containers(`state = 'running'`));
  reg.gauge('vigil_container_oom_killed', '1 when the last exit was an OOM kill', containers('oom_killed'));
  reg.gauge('vigil_container_unhealthy', '1 when the health check reports unhealthy', containers(`health = 'unhealthy'`));
}
