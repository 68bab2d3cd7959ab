/**
 * Turns a check's pass/fail transition into an alert: through the alerts module's
 * AlertSink when the caller has one (rule.id 'compliance:<check id>', one alert per failing spell,
 * opened on pass→fail and resolved on fail→pass), else as a well-formed Alert emitted
 * on ctx.bus 'alert' so the feed and outputs still see it. Resolves once the sink has
 * stored the change.
 */
import type { CollectorContext } from '../context.js';
import type { Alert } from '../model.js';
import type { AlertSink } from '../alerts/types.js';
import type { AlertUpdate } from '../rules/types.js';
import { iso } from './duration.js';
import type { Transition } from './engine.js';

export async function raiseTransition(ctx: CollectorContext, t: Transition, now: number, sink?: AlertSink): Promise<void> {
  if (!t.alertId) return; // fail→pass for a check whose failing spell predates tracking
  const opening = t.to === 'fail';
  const evidence: Array<number | string> = [];
  for (const e of t.result.evidence) {
    if (e.event_id !== undefined) evidence.push(e.event_id);
    else if (e.alert_id !== undefined) evidence.push(e.alert_id);
  }
  evidence.splice(20);
  const ruleName = `Compliance: ${t.check.title}`;
  const group = { 'compliance.check': t.check.id };
  if (sink) {
    const update: AlertUpdate = {
      id: t.alertId, key: `compliance:${t.check.id}`,
      rule: { id: `compliance:${t.check.id}`, name: ruleName, severity: t.check.severity },
      group, count: 1, first_seen: iso(now), last_seen: iso(now), evidence,
      status: opening ? 'open' : 'resolved', change: opening ? 'opened' : 'resolved',
    };
    await sink.apply(update);
    return;
  }
  const alert: Alert = {
    id: t.alertId, 'rule.id': `compliance:${t.check.id}`, 'rule.name': ruleName, severity: t.check.severity,
    status: opening ? 'open' : 'resolved', group, count: 1, first_seen: iso(now), last_seen: iso(now), evidence,
    'compliance.value': t.result.value, 'compliance.threshold': t.result.threshold,
    message: `${t.check.title}: ${t.from ?? 'new'} → ${t.to} (value ${t.result.value ?? 'n/a'}, threshold ${t.result.threshold})`,
  };
  ctx.bus.emit('alert', alert, opening ? 'opened' : 'resolved');
}
