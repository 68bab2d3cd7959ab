/**
 * Evaluates checks: catches the derived operation rows up with new events, runs each
 * check's evaluator against the collector's clock, stores every result, and raises or
 * resolves an alert only when a check's status changes between pass and fail (unknown
 * neither raises nor resolves). An evaluator that throws yields unknown, naming the error.
 * The writes (catch-up, results with their state changes) are the writer's commands.
 */
import type { DB } from '../store/db.js';
import type { WriteQueue } from '../store/writer/queue.js';
import { appendResults } from './history.js';
import { iso } from './duration.js';
import { EVALUATORS } from './evaluators/index.js';
import type { CheckDef, CheckResult, CheckStatus, EvalEnv, Outcome } from './types.js';

export interface Transition { check: CheckDef; result: CheckResult; from: CheckStatus | null; to: 'pass' | 'fail'; alertId: string | null }

export function evaluateCheck(check: CheckDef, env: EvalEnv): CheckResult {
  let out: Outcome;
  try {
    const fn = EVALUATORS.get(check.evaluator);
    if (!fn) throw new Error(`no evaluator ${check.evaluator}`);
    out = fn(check, env);
  } catch (e) {
    out = { status: 'unknown', value: null, evidence: [{ summary: `evaluation failed: ${(e as Error).message}` }] };
  }
  return {
    id: check.id, title: check.title, status: out.status, value: out.value, threshold: check.threshold,
    unit: check.unit, compare: check.compare, evaluated_at: iso(env.now), evidence: out.evidence,
  };
}

/**
 * Runs all checks at env.now, stores the results (through `writer`), returns them with the
 * pass/fail transitions. Checks about the daily report run last, after `beforeReportChecks`
 * (which writes a due report from the other checks' fresh results).
 */
export async function evaluateAll(checks: CheckDef[], env: EvalEnv, writer: WriteQueue,
  beforeReportChecks?: (sofar: CheckResult[]) => void | Promise<void>): Promise<{ results: CheckResult[]; transitions: Transition[] }> {
  await writer.run('compliance.catch-up', {});
  const isReport = (c: CheckDef) => c.evaluator === 'report-exists';
  const results: CheckResult[] = new Array(checks.length);
  checks.forEach((c, i) => { if (!isReport(c)) results[i] = evaluateCheck(c, env); });
  await beforeReportChecks?.(results.filter(Boolean));
  checks.forEach((c, i) => { if (isReport(c)) results[i] = evaluateCheck(c, env); });
  const changes = await writer.run('compliance.record', { results, now: env.now });
  const transitions = changes.map(({ index, from, to, alertId }) => ({ check: checks[index], result: results[index], from, to, alertId }));
  return { results, transitions };
}

/** A check's pass/fail change as the writer reports it: the result's index, not the check (plain data). */
export interface StateChange { index: number; from: CheckStatus | null; to: 'pass' | 'fail'; alertId: string | null }

/** Stores the results and each check's state; runs in the writer's 'compliance.record' command. */
export function recordResults(db: DB): (args: { results: CheckResult[]; now: number }) => StateChange[] {
  const get = db.prepare('SELECT status, alert_id FROM compliance_state WHERE check_id = ?');
  const put = db.prepare(`INSERT INTO compliance_state (check_id, status, since, alert_id) VALUES (?, ?, ?, ?)
     ON CONFLICT(check_id) DO UPDATE SET status = excluded.status, since = excluded.since, alert_id = excluded.alert_id`);
  const append = appendResults(db);
  return ({ results, now }) => {
    append(results.map((result) => ({ result, at: now })));
    const out: StateChange[] = [];
    results.forEach((r, index) => {
      if (r.status === 'unknown') return;
      const prev = get.get(r.id) as { status: CheckStatus; alert_id: string | null } | undefined;
      if (prev?.status === r.status) return;
      // A first-ever pass is not a change worth an alert; a first-ever fail is.
      const alertId = r.status === 'fail' ? `compliance:${r.id}:${now}` : prev?.alert_id ?? null;
      put.run(r.id, r.status, now, r.status === 'fail' ? alertId : null);
      if (prev || r.status === 'fail') out.push({ index, from: prev?.status ?? null, to: r.status, alertId });
    });
    return out;
  };
}
