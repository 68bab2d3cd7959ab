/**
 * The evaluator registry: the names check files use in `evaluator:`, each mapped to
 * the function that computes its outcome. Adding a kind of check is one entry here.
 */
import type { Evaluator } from '../types.js';
import { backupRecency, backupSuccessRate, dailyFull, restoreTest } from './backup.js';
import { changeSuccessRate } from './changes.js';
import { availability, errorRate, responseTimeP95 } from './probes.js';
import { mttr, responseTime } from './incidents.js';
import { agentsReporting } from './agents.js';
import { reportExists } from './report.js';

export const EVALUATORS: ReadonlyMap<string, Evaluator> = new Map<string, Evaluator>([
  ['backup-recency', backupRecency],
  ['backup-daily', dailyFull],
  ['backup-success-rate', backupSuccessRate],
  ['restore-test', restoreTest],
  ['deployment-success-rate', changeSuccessRate],
  ['probe-availability', availability],
  ['probe-latency-p95', responseTimeP95],
  ['probe-error-rate', errorRate],
  ['incident-mttr', mttr],
  ['incident-response', responseTime],
  ['agents-reporting', agentsReporting],
  ['report-exists', reportExists],
]);

export const EVALUATOR_NAMES: ReadonlySet<string> = new Set(EVALUATORS.keys());
