/**
 * Bus listeners that keep the compliance module's own view of incidents and agents:
 * every alert change (opened / acknowledged / resolved, at the collector's clock) into
 * compliance_alerts, for MTTR, response times and the daily report; every heartbeat and
 * committed batch into compliance_agents, for the agents-reporting check. The writes
 * are the writer's commands (commands.ts, over writes.ts).
 */
import type { AlertChange, CollectorContext } from '../context.js';
import type { Alert, CommittedEvent } from '../model.js';

/** A batch refreshes an agent's row at most this often (heartbeats always do). */
const HEARD_EVERY_MS = 1000;

/**
 * Subscribes to the bus; returns the unsubscribe function. Writes are commands on
 * ctx.writer, sent in the order the bus tells and not awaited (a failure is logged).
 */
export function trackBus(ctx: CollectorContext): () => void {
  const failed = (what: string) => (e: Error) => ctx.log.warn(`compliance: ${what} not tracked`, { err: e.message });
  const written = new Map<string, number>();
  const heard = (agent: string, now: number): void => {
    written.set(agent, now);
    ctx.writer.run('compliance.heard', { agent, at: now }).catch(failed('agent'));
  };
  const onAlert = (alert: Alert, change: AlertChange): void => {
    ctx.writer.run('compliance.alert', { alert, change, at: ctx.now() }).catch(failed('alert'));
  };
  const onHeartbeat = (agent: string): void => heard(agent, ctx.now());
  const onCommitted = (events: CommittedEvent[]): void => {
    const now = ctx.now();
    let last: string | undefined;
    for (const e of events) {
      if (e.agent === last) continue;
      last = e.agent;
      if (now - (written.get(last) ?? -Infinity) >= HEARD_EVERY_MS) heard(last, now);
    }
  };
  ctx.bus.on('alert', onAlert);
  ctx.bus.on('heartbeat', onHeartbeat);
  ctx.bus.on('committed', onCommitted);
  return () => {
    ctx.bus.off('alert', onAlert);
    ctx.bus.off('heartbeat', onHeartbeat);
    ctx.bus.off('committed', onCommitted);
  };
}
