/**
 * Every evaluation's result, stored: append one row per check per evaluation, read the
 * latest per check, a check's history since a time (newest first), export it as CSV.
 * The append runs in the writer's commands (commands.ts), as does pruning.
 */
import type { DB } from '../store/db.js';
import { iso } from './duration.js';
import { plainText } from '../outputs/sanitize.js';
import type { CheckDef, CheckResult, CheckStatus, Evidence } from './types.js';

interface Row { check_id: string; evaluated_at: number; status: CheckStatus; value: number | null; threshold: number; evidence: string }

/** Prepares the append of results on the writer's connection (inside its 'compliance.record' command). */
export function appendResults(db: DB): (results: Array<{ result: CheckResult; at: number }>) => void {
  const ins = db.prepare(`INSERT INTO compliance_results (check_id, evaluated_at, status, value, threshold, evidence)
     VALUES (?, ?, ?, ?, ?, ?)`);
  return (results) => {
    for (const { result: r, at } of results) ins.run(r.id, at, r.status, r.value, r.threshold, JSON.stringify(r.evidence));
  };
}

function toResult(row: Row, check: CheckDef): CheckResult {
  return {
    id: row.check_id, title: check.title, status: row.status, value: row.value, threshold: row.threshold,
    unit: check.unit, compare: check.compare, evaluated_at: iso(row.evaluated_at), evidence: JSON.parse(row.evidence) as Evidence[],
  };
}

/** The latest result of each check (checks never evaluated yet are absent). */
export function latestResults(db: DB, checks: CheckDef[]): CheckResult[] {
  const q = db.prepare('SELECT * FROM compliance_results WHERE check_id = ? ORDER BY evaluated_at DESC, id DESC LIMIT 1');
  const out: CheckResult[] = [];
  for (const c of checks) {
    const row = q.get(c.id) as Row | undefined;
    if (row) out.push(toResult(row, c));
  }
  return out;
}

export function history(db: DB, check: CheckDef, sinceMs: number | undefined, limit: number): CheckResult[] {
  const rows = db.prepare(`SELECT * FROM compliance_results WHERE check_id = ? AND evaluated_at >= ?
     ORDER BY evaluated_at DESC, id DESC LIMIT ?`).all(check.id, sinceMs ?? 0, limit) as Row[];
  return rows.map((r) => toResult(r, check));
}

/** RFC 4180 CSV: quoted where needed, formula-leading cells defused for spreadsheets. */
export function historyCsv(results: CheckResult[]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : plainText(String(v)); // one line, nothing invisible
    if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = ['id,evaluated_at,status,value,threshold,unit,evidence'];
  for (const r of results) {
    const ev = r.evidence.map((e) => (e.event_id !== undefined ? `#${e.event_id} ` : '') + e.summary).join('; ');
    lines.push([r.id, r.evaluated_at, r.status, r.value, r.threshold, r.unit, ev].map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
