/**
 * Backup evaluators, over compliance_ops rows in event time up to the collector's clock:
 * recency of each job's last success (backup-every-6h), one successful full backup per
 * UTC day (daily-full-backup), the success rate of finished backups (backup-success-rate)
 * and a recent, short enough restore test (dr-test-quarterly). A backup operation is
 * its final line (succeeded or failed); `started` lines only open one.
 */
import type { OpRow } from '../ops.js';
import { DAY_MS, iso, utcDate, utcDayStart } from '../duration.js';
import type { Evaluator, Evidence } from '../types.js';
import { ago, durationParam, judged, opEvidence, param, round, timeOfDayParam, unknown } from './common.js';

function backupOps(env: { db: import('../../store/db.js').DB }, from: number, to: number, kind?: string): OpRow[] {
  const sql = `SELECT * FROM compliance_ops WHERE family = 'backup' AND ts >= ? AND ts <= ?${kind ? ' AND op_kind = ?' : ''} ORDER BY ts, event_id`;
  return env.db.prepare(sql).all(...(kind ? [from, to, kind] : [from, to])) as OpRow[];
}

const isFinal = (o: OpRow): boolean => o.action === 'succeeded' || o.action === 'failed';

/** Every job of the given kind: its last success is at most threshold + grace old. */
export const backupRecency: Evaluator = (check, env) => {
  const kind = param(check, 'kind', 'database');
  const from = env.now - check.windowMs;
  const ops = backupOps(env, from, env.now, kind).filter(isFinal);
  if (ops.length === 0) return unknown(`no finished ${kind} backups in the last ${ago(check.windowMs)}`);
  const limitMs = check.threshold * 1000 + check.graceMs;
  const jobs = new Map<string, OpRow[]>();
  for (const o of ops) jobs.set(o.name ?? '', [...(jobs.get(o.name ?? '') ?? []), o]);
  let worst = 0;
  const evidence: Evidence[] = [];
  for (const [job, list] of [...jobs].sort()) {
    const last = list.filter((o) => o.action === 'succeeded').pop();
    const age = last ? env.now - last.ts : check.windowMs;
    worst = Math.max(worst, age);
    const late = age > limitMs;
    if (last) evidence.push({ ...opEvidence(last, env.now, late ? 'too old' : 'ok'), age_s: round(age / 1000) });
    else evidence.push({ job, kind, summary: `no successful ${kind} backup of ${job || '(no job)'} in the last ${ago(check.windowMs)}`, age_s: round(age / 1000) });
    for (const f of list.filter((o) => o.action === 'failed' && (!last || o.ts > last.ts)).slice(-3)) {
      evidence.push(opEvidence(f, env.now, 'failed since'));
    }
  }
  const value = worst / 1000;
  const out = judged(check, value, evidence);
  // The comparison is against threshold + grace; the stored threshold stays the guide's figure.
  out.status = worst <= limitMs ? 'pass' : 'fail';
  return out;
};

/** A successful full backup on each of the last N complete UTC days, and today past the deadline. */
export const dailyFull: Evaluator = (check, env) => {
  const kind = param(check, 'kind', 'full');
  const days = Number(param(check, 'days', '7'));
  const deadline = timeOfDayParam(check, 'deadline', '06:00');
  const today = utcDayStart(env.now);
  const any = backupOps(env, env.now - check.windowMs, env.now, kind);
  if (any.length === 0) return unknown(`no ${kind} backups in the last ${ago(check.windowMs)}`);
  const required: number[] = [];
  for (let d = days; d >= 1; d--) required.push(today - d * DAY_MS);
  if (env.now >= today + deadline + check.graceMs) required.push(today);
  const ops = backupOps(env, required[0], env.now, kind).filter(isFinal);
  let missed = 0;
  const evidence: Evidence[] = [];
  for (const day of required) {
    const inDay = ops.filter((o) => o.ts >= day && o.ts < day + DAY_MS);
    const ok = inDay.filter((o) => o.action === 'succeeded').pop();
    if (ok) { evidence.push({ ...opEvidence(ok, env.now, utcDate(day)), day: utcDate(day) }); continue; }
    missed++;
    const failed = inDay.filter((o) => o.action === 'failed').pop();
    evidence.push(failed ? { ...opEvidence(failed, env.now, `${utcDate(day)} missing`), day: utcDate(day) }
      : { day: utcDate(day), summary: `no successful ${kind} backup on ${utcDate(day)}` });
  }
  return judged(check, missed, evidence);
};

/** Percent of finished backups that succeeded over the window (tool housekeeping commands in params.ignore_kinds excluded). */
export const backupSuccessRate: Evaluator = (check, env) => {
  const ignored = new Set(Array.isArray(check.params.ignore_kinds) ? check.params.ignore_kinds.map(String) : []);
  const ops = backupOps(env, env.now - check.windowMs, env.now).filter((o) => isFinal(o) && !ignored.has(o.op_kind ?? ''));
  if (ops.length === 0) return unknown(`no finished backups in the last ${ago(check.windowMs)}`);
  const failed = ops.filter((o) => o.action === 'failed');
  const value = ((ops.length - failed.length) / ops.length) * 100;
  const evidence: Evidence[] = [{ summary: `${ops.length - failed.length} of ${ops.length} backups succeeded since ${iso(env.now - check.windowMs)}`, total: ops.length, failed: failed.length }];
  for (const f of failed.slice(-20).reverse()) evidence.push(opEvidence(f, env.now, 'failed'));
  if (failed.length === 0) evidence.push(opEvidence(ops[ops.length - 1], env.now, 'latest'));
  return judged(check, value, evidence);
};

/** A successful restore test within the window that took under max_duration. */
export const restoreTest: Evaluator = (check, env) => {
  const kind = param(check, 'kind', 'restore-test');
  const maxMs = durationParam(check, 'max_duration', '1h');
  const from = env.now - check.windowMs;
  const all = backupOps(env, from, env.now);
  if (all.length === 0) return unknown(`no backups at all in the last ${ago(check.windowMs)}`);
  const tests = all.filter((o) => o.op_kind === kind);
  const evidence: Evidence[] = [];
  let best: { op: OpRow; durMs: number } | undefined;
  let unknownDuration = 0;
  for (const op of tests.filter((o) => o.action === 'succeeded')) {
    const durMs = durationOf(op, tests);
    if (durMs === null) { unknownDuration++; continue; }
    if (durMs < maxMs) best = { op, durMs };
    else evidence.push({ ...opEvidence(op, env.now, `too long (${ago(durMs)})`), duration_s: round(durMs / 1000) });
  }
  if (best) {
    evidence.unshift({ ...opEvidence(best.op, env.now, `restore test in ${ago(best.durMs)}`), duration_s: round(best.durMs / 1000) });
    return judged(check, (env.now - best.op.ts) / 1000, evidence.slice(0, 10));
  }
  if (unknownDuration > 0) return unknown(`${unknownDuration} successful ${kind} run(s) without a known duration`);
  for (const f of tests.filter((o) => o.action === 'failed').slice(-5)) evidence.push(opEvidence(f, env.now, 'failed'));
  evidence.unshift({ summary: `no successful ${kind} under ${ago(maxMs)} in the last ${ago(check.windowMs)}` });
  const out = judged(check, check.windowMs / 1000, evidence.slice(0, 10));
  out.status = 'fail'; // nothing qualifying: the value is only a lower bound on the age
  return out;
};

/** event.duration of the final line, else the time since the job's latest `started` line before it. */
function durationOf(op: OpRow, tests: OpRow[]): number | null {
  if (op.duration_ns !== null) return op.duration_ns / 1e6;
  const start = tests.filter((o) => o.action === 'started' && o.name === op.name && o.ts <= op.ts && op.ts - o.ts < DAY_MS).pop();
  return start ? op.ts - start.ts : null;
}
