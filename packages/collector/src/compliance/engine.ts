/**
 * Evaluates checks: catches the derived operation rows up with new events, runs each
 * check's evaluator against the collector's clock, stores every result, and raises or
 * resolves an alert only when a check's status changes between pass and fail (unknown
 * neither raises nor resolves). An evaluator that throws yields unknown, naming the error.
 * The writes (catch-up, results with their state changes) are the writer's commands.
 */
import type { DB } from '../store/db.js';
import type { WriteQueue } from '../store/writer/queue.js';
import { iso } from './duration.js';
import { EVALUATORS } from './evaluators/index.js';
import type { CheckDef, CheckResult, CheckStatus, EvalEnv, Outcome } from './types.js';
import type { StateChange } from './writes.js';

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
