/**
 * The daily report service: generates a date's report (JSON + Markdown), stores it in
 * DATA/reports/ when its period has ended, serves a stored one as is, and tells the
 * scheduler whether today's is due (its deadline passed and no file yet).
 */
import type { DB } from '../store/db.js';
import type { CheckDef, CheckResult } from '../compliance/types.js';
import { utcDate, utcDayStart } from '../compliance/duration.js';
import { buildDailyReport, reportPeriod } from './build.js';
import { renderMarkdown } from './markdown.js';
import { readReportFile, reportPath, writeReportFile, type ReportFormat } from './files.js';
import { existsSync } from 'node:fs';

export interface ReportEnv { db: DB; dataDir: string; checks: () => CheckDef[]; now: () => number; reportAtMs: number }

/** Builds and (when complete) stores a date's report; returns both renderings. */
export function generateReport(env: ReportEnv, date: string, compliance?: CheckResult[]): { json: string; md: string; stored: boolean } {
  const report = buildDailyReport(date, { db: env.db, checks: env.checks(), now: env.now(), reportAtMs: env.reportAtMs, compliance });
  const json = JSON.stringify(report, null, 2) + '\n';
  const md = renderMarkdown(report);
  if (!report.partial) {
    writeReportFile(env.dataDir, date, 'md', md);
    writeReportFile(env.dataDir, date, 'json', json); // written last: its presence means complete
  }
  return { json, md, stored: !report.partial };
}

/** A stored report, else a freshly generated one (stored if its period has ended). */
export function getReport(env: ReportEnv, date: string, format: ReportFormat): string {
  const stored = readReportFile(env.dataDir, date, format);
  if (stored !== undefined) return stored;
  return generateReport(env, date)[format];
}

/** Today's date when its deadline has passed and no report file exists yet. */
export function dueReportDate(env: ReportEnv): string | undefined {
  const now = env.now();
  const date = utcDate(now);
  if (now < utcDayStart(now) + env.reportAtMs) return undefined;
  if (existsSync(reportPath(env.dataDir, date, 'json'))) return undefined;
  return reportPeriod(date, env.reportAtMs).to <= now ? date : undefined;
}
