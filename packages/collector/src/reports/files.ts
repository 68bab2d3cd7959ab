/**
 * Where daily reports live: DATA/reports/YYYY-MM-DD.json and .md. Writes go through a
 * temporary file and a rename, so a reader never sees half a report; folder 0700, files 0600.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, writePrivateFile } from '@vigil/proto';

export type ReportFormat = 'json' | 'md';

export function reportPath(dataDir: string, date: string, format: ReportFormat): string {
  return join(dataDir, 'reports', `${date}.${format}`);
}

export function writeReportFile(dataDir: string, date: string, format: ReportFormat, text: string): string {
  const path = reportPath(dataDir, date, format);
  privateDir(join(dataDir, 'reports'));
  writePrivateFile(path, text);
  return path;
}

export function readReportFile(dataDir: string, date: string, format: ReportFormat): string | undefined {
  const path = reportPath(dataDir, date, format);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
