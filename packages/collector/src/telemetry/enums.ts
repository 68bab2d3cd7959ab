/**
 * Checks the enum-valued fields agents send in telemetry bodies (container state and
 * health, container event action and health) against their known sets. An unknown value
 * is never stored as is: it becomes the field's neutral value (`unknown` state and action,
 * health `none`), is counted on /metrics and logged at most once a minute per field.
 */
import { LogLimiter, type ContainerEvent, type ContainerState, type Logger } from '@vigil/proto';
import type { Counter } from '../metrics/registry.js';

/** Docker's container states, plus `unknown` (our fallback). `removed` is derived, not sent. */
export const CONTAINER_STATES: ReadonlySet<string> = new Set(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'unknown']);
/** The contract's health values. */
export const CONTAINER_HEALTH: ReadonlySet<string> = new Set(['none', 'starting', 'healthy', 'unhealthy']);
/** Docker's container event actions (the part before any `:`). */
export const CONTAINER_ACTIONS: ReadonlySet<string> = new Set([
  'attach', 'commit', 'copy', 'create', 'destroy', 'detach', 'die', 'exec_create', 'exec_detach', 'exec_die',
  'exec_start', 'export', 'health_status', 'kill', 'oom', 'pause', 'rename', 'resize', 'restart', 'start', 'stop',
  'top', 'unpause', 'update', 'prune',
]);

const LOG_EVERY_MS = 60_000;

export class EnumGuard {
  private readonly logs: LogLimiter;

  constructor(log: Logger, private readonly counter: Counter, now: () => number = Date.now) {
    this.logs = new LogLimiter(log, LOG_EVERY_MS, now);
  }

  /** `value` when it is in `allowed` (or empty: the caller's default applies), else `fallback`. */
  check(field: string, value: string | undefined, allowed: ReadonlySet<string>, fallback: string, agent: string): string | undefined {
    if (!value || allowed.has(value)) return value;
    this.counter.inc({ field });
    this.logs.warn(field, 'unknown value from an agent replaced', { agent, field, value: value.slice(0, 64), replaced_by: fallback });
    return fallback;
  }

  close(): void { this.logs.close(); }

  /** A copy of `c` whose state and health are known values. */
  containerState(c: ContainerState, agent: string): ContainerState {
    const state = this.check('container.state', c.state, CONTAINER_STATES, 'unknown', agent);
    const health = this.check('container.health', c.health, CONTAINER_HEALTH, 'none', agent);
    return state === c.state && health === c.health ? c : { ...c, state, health };
  }

  /** A copy of `e` whose action and health are known values. */
  containerEvent(e: ContainerEvent, agent: string): ContainerEvent {
    const action = this.check('container.action', e.action, CONTAINER_ACTIONS, 'unknown', agent) ?? '';
    const health = this.check('container.health', e.health, CONTAINER_HEALTH, 'none', agent);
    return action === e.action && health === e.health ? e : { ...e, action, health };
  }
}
