/**
 * Maps Docker's answers to wire messages: a container inspect to ContainerState (name,
 * image, compose labels, state, health, restart count, exit code, OOMKilled, times) and an
 * event-stream message to ContainerEvent (action, exit code, health, attributes).
 */
import type { ContainerEvent, ContainerState } from '@vigil/proto';

export interface InspectJson {
  Id: string; Name?: string; RestartCount?: number;
  Config?: { Image?: string; Labels?: Record<string, string> | null };
  State?: {
    Status?: string; Running?: boolean; Pid?: number; ExitCode?: number; OOMKilled?: boolean;
    StartedAt?: string; FinishedAt?: string; Health?: { Status?: string } | null;
  };
}

const KEPT_LABELS = ['com.docker.compose.project', 'com.docker.compose.service', 'com.docker.compose.container-number'];

function ms(t?: string): number | undefined {
  if (!t || t.startsWith('0001-')) return undefined;
  const v = Date.parse(t);
  return Number.isFinite(v) ? v : undefined;
}

export function pickLabels(all: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_LABELS) if (all?.[k] != null) out[k] = all[k];
  return out;
}

export function stateFromInspect(c: InspectJson): ContainerState & { pid: number } {
  const s = c.State ?? {};
  const health = s.Health?.Status;
  return {
    id: c.Id,
    name: (c.Name ?? '').replace(/^\//, ''),
    image: c.Config?.Image ?? '',
    state: s.Status ?? 'unknown',
    health: health === 'healthy' || health === 'unhealthy' || health === 'starting' ? health : 'none',
    restartCount: c.RestartCount ?? 0,
    exitCode: s.ExitCode ?? 0,
    oomKilled: s.OOMKilled ?? false,
    labels: pickLabels(c.Config?.Labels),
    startedAtMs: ms(s.StartedAt), finishedAtMs: ms(s.FinishedAt),
    pid: s.Pid ?? 0,
  };
}

export interface DockerEventJson {
  Type?: string; Action?: string; id?: string; time?: number; timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** Actions forwarded; others (exec_*, attach, resize, ...) are dropped. */
export const FORWARDED = new Set(['create', 'start', 'restart', 'die', 'oom', 'kill', 'stop', 'pause', 'unpause', 'health_status', 'destroy']);

export function eventFromDocker(e: DockerEventJson): ContainerEvent | undefined {
  if (e.Type !== 'container' || !e.Action) return undefined;
  const [action, ...rest] = e.Action.split(':');
  if (!FORWARDED.has(action)) return undefined;
  const a = e.Actor?.Attributes ?? {};
  const attributes: Record<string, string> = pickLabels(a);
  if (a.signal) attributes.signal = a.signal;
  const ev: ContainerEvent = {
    id: e.Actor?.ID ?? e.id ?? '', name: a.name ?? '', image: a.image ?? '', action, attributes,
    timeNano: e.timeNano ?? (e.time ?? 0) * 1e9,
  };
  if (a.exitCode != null) ev.exitCode = Number(a.exitCode);
  if (action === 'health_status') ev.health = rest.join(':').trim();
  return ev;
}
