/**
 * change-success-rate: percent of deployments that succeeded over the window. A
 * deployment is counted once, by its id, with its final status (its last succeeded,
 * failed or rolled_back line); `started` lines only open it, so a deployment still in
 * progress is not counted. Lines without an id are each their own deployment.
 */
import type { OpRow } from '../ops.js';
import { iso } from '../duration.js';
import type { Evaluator, Evidence } from '../types.js';
import { ago, judged, opEvidence, unknown } from './common.js';

export function finalDeployments(db: import('../../store/db.js').DB, from: number, to: number): OpRow[] {
  const rows = db.prepare(`SELECT * FROM compliance_ops WHERE family = 'deployment' AND ts >= ? AND ts <= ?
     AND action IN ('succeeded', 'failed', 'rolled_back') ORDER BY ts, event_id`).all(from, to) as OpRow[];
  const byId = new Map<string, OpRow>();
  for (const r of rows) byId.set(r.op_id ? `id:${r.op_id}` : `ev:${r.event_id}`, r); // later lines win
  return [...byId.values()].sort((a, b) => a.ts - b.ts);
}

export const changeSuccessRate: Evaluator = (check, env) => {
  const from = env.now - check.windowMs;
  const deps = finalDeployments(env.db, from, env.now);
  if (deps.length === 0) return unknown(`no finished deployments in the last ${ago(check.windowMs)}`);
  const bad = deps.filter((d) => d.action !== 'succeeded');
  const value = ((deps.length - bad.length) / deps.length) * 100;
  const evidence: Evidence[] = [{
    summary: `${deps.length - bad.length} of ${deps.length} deployments succeeded since ${iso(from)}`,
    total: deps.length, failed: bad.length,
  }];
  for (const d of bad.slice(-20).reverse()) evidence.push(opEvidence(d, env.now, d.action === 'rolled_back' ? 'rolled back' : 'failed'));
  if (bad.length === 0) evidence.push(opEvidence(deps[deps.length - 1], env.now, 'latest'));
  return judged(check, value, evidence);
};
