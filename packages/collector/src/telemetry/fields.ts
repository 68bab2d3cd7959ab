/**
 * ECS fields of telemetry events, so detection rules can match them:
 *  - container lifecycle (wire containerEvent): container.id/name/image.name, event.action,
 *    event.outcome, container.health, process.exit_code, container.restart_count,
 *    container.oom_killed (the last two from the collector's known state of that container);
 *  - container state changes (wire containerState): event.action "state", container.state too;
 *  - metrics: host.cpu.pct, host.memory.pct, host.load.1 and, for the fullest filesystem,
 *    host.fs.used_pct + host.fs.mount (every filesystem in host.filesystems).
 */
import type { ContainerEvent, ContainerState, Event, Metrics } from '@vigil/proto';
import type { EcsFields } from '../model.js';

const TYPES: Record<string, string> = {
  create: 'creation', start: 'start', restart: 'start', die: 'end', kill: 'end', stop: 'end', oom: 'end',
  destroy: 'deletion', health_status: 'info', pause: 'change', unpause: 'change',
};

function outcomeOf(e: ContainerEvent): 'success' | 'failure' | 'unknown' {
  if (e.action === 'oom') return 'failure';
  if (e.action === 'die') return (e.exitCode ?? 0) === 0 ? 'success' : 'failure';
  if (e.action === 'health_status') return e.health === 'healthy' ? 'success' : e.health === 'unhealthy' ? 'failure' : 'unknown';
  if (e.action === 'start' || e.action === 'create' || e.action === 'destroy') return 'success';
  return 'unknown';
}

const iso = (ms: number) => new Date(Number.isFinite(ms) ? ms : 0).toISOString();

export function containerEventFields(ev: Event, agent: string, known?: { restart_count: number; oom_killed: number }): EcsFields {
  const e = ev.containerEvent!;
  const name = e.name ?? '';
  const f: EcsFields = {
    '@timestamp': iso(ev.timeMs),
    message: `container ${name || e.id.slice(0, 12)} ${e.action}` +
      (e.action === 'die' ? ` (exit code ${e.exitCode ?? 0})` : '') + (e.health ? ` (${e.health})` : ''),
    'event.kind': 'event', 'event.category': ['process'], 'event.type': [TYPES[e.action] ?? 'info'],
    'event.action': e.action, 'event.outcome': outcomeOf(e), 'event.module': 'docker',
    'container.id': e.id, 'container.name': name, 'container.image.name': e.image ?? '', 'agent.name': agent,
  };
  if (e.exitCode !== undefined && (e.action === 'die' || e.exitCode !== 0)) f['process.exit_code'] = e.exitCode;
  if (e.health) f['container.health'] = e.health;
  if (e.action === 'oom') f['container.oom_killed'] = true;
  else if (known) f['container.oom_killed'] = known.oom_killed === 1;
  if (known) f['container.restart_count'] = known.restart_count;
  for (const [k, v] of Object.entries(e.attributes ?? {})) {
    if (k === 'com.docker.compose.project') f['container.labels.compose_project'] = v;
    else if (k === 'com.docker.compose.service') f['container.labels.compose_service'] = v;
    else if (k === 'signal' && /^\d{1,3}$/.test(v)) f['process.signal'] = Number(v);
  }
  return f;
}

export function containerStateFields(ev: Event, agent: string): EcsFields {
  const c: ContainerState = ev.containerState!;
  const state = c.removed ? 'removed' : c.state || 'unknown';
  const health = c.health || 'none';
  const bad = c.oomKilled || health === 'unhealthy' || (state === 'exited' && (c.exitCode ?? 0) !== 0);
  return {
    '@timestamp': iso(ev.timeMs),
    message: `container ${c.name || c.id.slice(0, 12)} is ${state}` + (health !== 'none' ? ` (${health})` : '') +
      `, restarts ${c.restartCount ?? 0}` + (c.oomKilled ? ', OOM-killed' : ''),
    'event.kind': 'state', 'event.category': ['process'], 'event.type': ['info'], 'event.action': 'state',
    'event.outcome': bad ? 'failure' : 'unknown', 'event.module': 'docker',
    'container.id': c.id, 'container.name': c.name ?? '', 'container.image.name': c.image ?? '',
    'container.state': state, 'container.health': health, 'container.restart_count': c.restartCount ?? 0,
    'container.oom_killed': c.oomKilled ?? false, 'process.exit_code': c.exitCode ?? 0, 'agent.name': agent,
  };
}

export function metricFields(ev: Event, agent: string): EcsFields {
  const m: Metrics = ev.metrics!;
  const f: EcsFields = { '@timestamp': iso(ev.timeMs), 'event.kind': 'metric', 'agent.name': agent };
  const fs: Array<{ mount: string; used_pct: number }> = [];
  let containers = 0;
  for (const s of m.samples ?? []) {
    if (s.name === 'cpu.pct') f['host.cpu.pct'] = s.value;
    else if (s.name === 'memory.pct') f['host.memory.pct'] = s.value;
    else if (s.name === 'load.1') f['host.load.1'] = s.value;
    else if (s.name === 'fs.used_pct' && s.labels?.mount) fs.push({ mount: s.labels.mount, used_pct: s.value });
    else if (s.name === 'container.memory.usage') containers++;
  }
  if (m.hostName) f['host.name'] = m.hostName;
  if (fs.length) {
    const worst = fs.reduce((a, b) => (b.used_pct > a.used_pct ? b : a));
    f['host.fs.used_pct'] = worst.used_pct;
    f['host.fs.mount'] = worst.mount;
    f['host.filesystems'] = fs;
  }
  f['event.module'] = containers ? 'docker' : 'system';
  f.message = containers ? `container metrics (${containers} containers)` : `host metrics (${m.samples?.length ?? 0} samples)`;
  return f;
}
