/**
 * security-report-daily: after the day's deadline (params.deadline, default 06:00 UTC,
 * plus grace) today's report file must exist in DATA/reports/; before it, today's or
 * yesterday's report is what counts, and its absence is unknown rather than a failure (today's is
 * not due yet and the collector may not have run yesterday). Value: missing reports.
 */
import { existsSync, statSync } from 'node:fs';
import { DAY_MS, iso, utcDate, utcDayStart } from '../duration.js';
import { reportPath } from '../../reports/files.js';
import type { Evaluator } from '../types.js';
import { judged, timeOfDayParam } from './common.js';

export const reportExists: Evaluator = (check, env) => {
  const deadline = timeOfDayParam(check, 'deadline', '06:00');
  const today = utcDayStart(env.now);
  const due = env.now >= today + deadline + check.graceMs;
  const todays = reportPath(env.dataDir, utcDate(today), 'json');
  const date = due || existsSync(todays) ? utcDate(today) : utcDate(today - DAY_MS);
  const path = reportPath(env.dataDir, date, 'json');
  if (existsSync(path)) {
    return judged(check, 0, [{ time: iso(statSync(path).mtimeMs), date, path, summary: `report for ${date} exists` }]);
  }
  if (!due) return { status: 'unknown', value: null, evidence: [{ date, summary: `no report for ${date}; today's is due at ${iso(today + deadline)}` }] };
  return judged(check, 1, [{ date, path, summary: `no report for ${date} although it was due at ${iso(today + deadline)}` }]);
};
