/**
 * Incident evaluators over compliance_alerts (alert timelines at the collector's clock):
 * mttr-p1 is the mean time from opened to resolved of P1 alerts opened in the window (a
 * still-open P1 already older than the threshold counts with its age so far, so leaving
 * an incident open never improves the figure); incident-response-time is the longest
 * time to first response (acknowledged, or resolved without an ack) of those P1 alerts.
 */
import type { DB } from '../../store/db.js';
import { iso } from '../duration.js';
import type { Evaluator, Evidence } from '../types.js';
import { ago, judged, param, round, unknown } from './common.js';

interface AlertRow { alert_id: string; rule_id: string; severity: string; opened_ms: number; acked_ms: number | null; resolved_ms: number | null; group_json: string }

function alertsIn(db: DB, severity: string, from: number, to: number): AlertRow[] {
  return db.prepare(`SELECT * FROM compliance_alerts WHERE severity = ? AND opened_ms >= ? AND opened_ms <= ?
     AND rule_id NOT LIKE 'compliance:%' ORDER BY opened_ms`).all(severity, from, to) as AlertRow[];
}

function alertEvidence(a: AlertRow, seconds: number, what: string): Evidence {
  return {
    alert_id: a.alert_id, time: iso(a.opened_ms), rule_id: a.rule_id, seconds: round(seconds),
    summary: `${a.severity} alert ${a.alert_id} (${a.rule_id}) opened ${iso(a.opened_ms)}: ${what} ${ago(seconds * 1000)}`,
  };
}

export const mttr: Evaluator = (check, env) => {
  const sev = param(check, 'severity', 'P1');
  const alerts = alertsIn(env.db, sev, env.now - check.windowMs, env.now);
  const durations: Array<{ a: AlertRow; s: number; open: boolean }> = [];
  for (const a of alerts) {
    if (a.resolved_ms !== null) durations.push({ a, s: (a.resolved_ms - a.opened_ms) / 1000, open: false });
    else if ((env.now - a.opened_ms) / 1000 > check.threshold) durations.push({ a, s: (env.now - a.opened_ms) / 1000, open: true });
  }
  if (durations.length === 0) return unknown(`no resolved ${sev} alerts in the last ${ago(check.windowMs)}`);
  const mean = durations.reduce((t, d) => t + d.s, 0) / durations.length;
  const evidence: Evidence[] = [{ summary: `${durations.length} ${sev} alert(s), mean time to resolve ${ago(mean * 1000)}`, count: durations.length }];
  for (const d of [...durations].sort((x, y) => y.s - x.s).slice(0, 10)) {
    evidence.push(alertEvidence(d.a, d.s, d.open ? 'still open after' : 'resolved after'));
  }
  return judged(check, mean, evidence);
};

export const responseTime: Evaluator = (check, env) => {
  const sev = param(check, 'severity', 'P1');
  const alerts = alertsIn(env.db, sev, env.now - check.windowMs, env.now);
  if (alerts.length === 0) return unknown(`no ${sev} alerts in the last ${ago(check.windowMs)}`);
  const times = alerts.map((a) => {
    const first = a.acked_ms ?? a.resolved_ms;
    return { a, s: ((first ?? env.now) - a.opened_ms) / 1000, pending: first === null };
  });
  const worst = Math.max(...times.map((t) => t.s));
  const evidence: Evidence[] = [];
  for (const t of [...times].sort((x, y) => y.s - x.s).slice(0, 10)) {
    evidence.push(alertEvidence(t.a, t.s, t.pending ? 'not acknowledged after' : 'acknowledged after'));
  }
  return judged(check, worst, evidence);
};
