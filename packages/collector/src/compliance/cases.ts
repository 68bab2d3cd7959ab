/**
 * Runs the test cases kept beside each check (ruleset/compliance/<id>.cases.yaml): each
 * case builds a fresh store from relative-time records (backup/deployment events, probe
 * results, alert timelines, agent contacts, report files), evaluates the check at the
 * case's `now` and compares status (and value, when given). Returns failures by name.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { openDatabase } from '../store/db.js';
import { migrateCore } from '../store/schema.js';
import { RULESET_DIR } from '../paths.js';
import { migrateCompliance } from './schema.js';
import { loadChecks } from './loader.js';
import { EVALUATOR_NAMES } from './evaluators/index.js';
import { catchUpOps } from './ops.js';
import { evaluateCheck } from './engine.js';
import { insertLogEvents, insertProbes, opFields } from './seed.js';
import { recordAlert, recordHeard } from './writes.js';
import { requireDuration } from '@vigil/proto';
import { utcDate, DAY_MS } from './duration.js';
import type { CheckDef } from './types.js';

type Rec = Record<string, unknown>;
interface Case { name: string; now: string; events?: Rec[]; probes?: Rec[]; alerts?: Rec[]; agents?: Rec[]; reports?: string[]; expect: { status: string; value?: number } }

/** "ago" offsets, optionally repeated: { ago: 1h, every: 6h, count: 4 } → 1h, 7h, 13h, 19h ago. */
function offset(v: unknown): number {
  return typeof v === 'string' && v.startsWith('-') ? -requireDuration(v.slice(1)) : requireDuration(v ?? 0);
}

function times(now: number, r: Rec): number[] {
  const first = now - offset(r.ago);
  const count = Number(r.count ?? 1);
  const every = r.every === undefined ? 0 : requireDuration(r.every);
  return Array.from({ length: count }, (_, i) => first - i * every);
}

const strip = (r: Rec, keys: string[]): Rec => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));

export function runCase(check: CheckDef, c: Case): { ok: boolean; got: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-case-'));
  const db = openDatabase(join(dir, 'vigil.db'));
  try {
    migrateCore(db);
    migrateCompliance(db);
    const now = Date.parse(c.now);
    if (!Number.isFinite(now)) throw new Error(`now: not an RFC 3339 time: ${c.now}`);
    const logs = (c.events ?? []).flatMap((e) => times(now, e).map((t) => {
      const type = String(e.type) as 'backup' | 'deployment';
      const fields = strip(e, ['ago', 'every', 'count', 'type', 'agent']);
      if (type === 'deployment' && fields['deployment.id'] === '$n') fields['deployment.id'] = `d-${t}`;
      return { type, agent: e.agent as string | undefined, fields: opFields(type, t, fields) };
    }));
    insertLogEvents(db, logs, now);
    for (const p of c.probes ?? []) {
      insertProbes(db, String(p.agent ?? 'test-agent'), times(now, p).map((t) => ({
        timeMs: t, probe: { name: String(p.name), url: 'http://127.0.0.1/health', success: p.success !== false, statusCode: Number(p.status ?? 200), latencyMs: Number(p.latency_ms ?? 50) },
      })), now);
    }
    for (const a of c.alerts ?? []) {
      const alert = { id: String(a.id), 'rule.id': String(a.rule ?? 'ssh-brute-force'), 'rule.name': 'case', severity: String(a.severity ?? 'P1'), status: 'open', group: {}, count: 1, first_seen: c.now, last_seen: c.now, evidence: [] } as never;
      recordAlert(db, alert, 'opened', now - requireDuration(a.opened_ago));
      if (a.acked_ago !== undefined) recordAlert(db, { ...(alert as object), status: 'acknowledged' } as never, 'acknowledged', now - requireDuration(a.acked_ago));
      if (a.resolved_ago !== undefined) recordAlert(db, { ...(alert as object), status: 'resolved' } as never, 'resolved', now - requireDuration(a.resolved_ago));
    }
    for (const a of c.agents ?? []) recordHeard(db, String(a.name), now - requireDuration(a.last_seen_ago));
    for (const r of c.reports ?? []) {
      const date = r === 'today' ? utcDate(now) : r === 'yesterday' ? utcDate(now - DAY_MS) : r;
      mkdirSync(join(dir, 'reports'), { recursive: true });
      writeFileSync(join(dir, 'reports', `${date}.json`), '{}\n');
    }
    catchUpOps(db);
    const res = evaluateCheck(check, { db, now, dataDir: dir });
    const ok = res.status === c.expect.status && (c.expect.value === undefined || res.value === c.expect.value);
    return { ok, got: `status ${res.status}, value ${res.value}; evidence: ${res.evidence.map((e) => e.summary).slice(0, 3).join(' | ')}` };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runComplianceCases(rulesetDir = RULESET_DIR): { passed: number; failures: string[] } {
  const dir = join(rulesetDir, 'compliance');
  const checks = new Map(loadChecks(dir, EVALUATOR_NAMES).map((c) => [c.id, c]));
  const failures: string[] = [];
  let passed = 0;
  for (const f of readdirSync(dir).filter((n) => /\.cases\.ya?ml$/.test(n)).sort()) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { check: string; cases: Case[] };
    const check = checks.get(doc?.check);
    if (!check) { failures.push(`${f}: no check with id ${JSON.stringify(doc?.check)}`); continue; }
    for (const c of doc.cases ?? []) {
      try {
        const { ok, got } = runCase(check, c);
        if (ok) passed++;
        else failures.push(`${f}: ${c.name}: expected ${c.expect.status}${c.expect.value !== undefined ? ` ${c.expect.value}` : ''}, got ${got}`);
      } catch (e) {
        failures.push(`${f}: ${c.name}: ${(e as Error).message}`);
      }
    }
  }
  return { passed, failures };
}
