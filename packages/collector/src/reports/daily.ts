/**
 * The daily report service: generates a date's report (JSON + Markdown), stores it in
 * DATA/reports/ when its period has ended, serves a stored one as is, and tells the
 * scheduler whether today's is due (its deadline passed and no file yet).
 */
import type { DB } from '../store/db.js';
import type { WriteQueue } from '../store/writer/queue.js';
import type { CheckDef, CheckResult } from '../compliance/types.js';
import { utcDate, utcDayStart } from '../compliance/duration.js';
import { buildDailyReport, reportPeriod } from './build.js';
import { renderMarkdown } from './markdown.js';
import { readReportFile, reportPath, writeReportFile, type ReportFormat } from './files.js';
import { existsSync } from 'node:fs';

/** Reads on db; writer catches the derived operation rows up before a report is built. */
export interface ReportEnv { db: DB; writer: WriteQueue; dataDir: string; checks: () => CheckDef[]; now: () => number; reportAtMs: number }

/** Builds and (when complete) stores a date's report; returns both renderings. */
export async function generateReport(env: ReportEnv, date: string, compliance?: CheckResult[]): Promise<{ json: string; md: string; stored: boolean }> {
  await env.writer.run('compliance.catch-up', {});
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
export async function getReport(env: ReportEnv, date: string, format: ReportFormat): Promise<string> {
  const stored = readReportFile(env.dataDir, date, format);
  if (stored !== undefined) return stored;
  return (await generateReport(env, date))[format];
}

/** Today's date when its deadline has passed and no report file exists yet. */
export function dueReportDate(env: ReportEnv): string | undefined {
  const now = env.now();
  const date = utcDate(now);
  if (now < utcDayStart(now) + env.reportAtMs) return undefined;
  if (existsSync(reportPath(env.dataDir, date, 'json'))) return undefined;
  return reportPeriod(date, env.reportAtMs).to <= now ? date : undefined;
}
