/**
 * Probe evaluators over probe_results: availability (percent of successful probes, the
 * worst probe counts), response-time-p95 (nearest-rank p95 latency in seconds, the
 * slowest probe counts) and error-rate (percent of failed probes, the worst counts).
 * Evidence names each probe's figures and the results that pulled it down.
 */
import type { DB } from '../../store/db.js';
import { iso } from '../duration.js';
import type { Evaluator, Evidence } from '../types.js';
import { ago, judged, round, unknown } from './common.js';

interface ProbeRow { event_id: number; name: string; ts: number; success: number; status_code: number | null; latency_ms: number | null; error: string | null; url: string | null }

/** Probe names, from the small probe_names table (one row per probe ever seen). */
export function probeNames(db: DB): string[] {
  return (db.prepare('SELECT name FROM probe_names ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name);
}

/** Totals per probe over [from, to], each read from the covering (name, ts, success) index. */
function perProbe(db: DB, from: number, to: number): Map<string, { total: number; ok: number }> {
  const q = db.prepare('SELECT COUNT(*) AS total, COALESCE(SUM(success), 0) AS ok FROM probe_results WHERE name = ? AND ts >= ? AND ts <= ?');
  const out = new Map<string, { total: number; ok: number }>();
  for (const name of probeNames(db)) {
    const r = q.get(name, from, to) as { total: number; ok: number };
    if (r.total > 0) out.set(name, r);
  }
  return out;
}

function resultEvidence(r: ProbeRow, what: string): Evidence {
  const detail = r.error ?? (r.status_code ? `HTTP ${r.status_code}` : '');
  return {
    event_id: r.event_id, time: iso(r.ts), probe: r.name, status: r.success ? 'success' : 'failure',
    latency_ms: r.latency_ms, summary: `${what}: probe ${r.name} ${r.success ? 'succeeded' : 'failed'}${detail ? ` (${detail})` : ''} at ${iso(r.ts)}`,
  };
}

function lastFailures(db: DB, name: string, from: number, to: number, n: number): ProbeRow[] {
  return db.prepare(`SELECT * FROM probe_results WHERE name = ? AND ts >= ? AND ts <= ? AND success = 0
     ORDER BY ts DESC LIMIT ?`).all(name, from, to, n) as ProbeRow[];
}

/** Shared body of availability (success percent, lowest wins) and error-rate (failure percent, highest wins). */
function ratio(kind: 'availability' | 'errors'): Evaluator {
  return (check, env) => {
    const from = env.now - check.windowMs;
    const probes = perProbe(env.db, from, env.now);
    if (probes.size === 0) return unknown(`no probe results in the last ${ago(check.windowMs)}`);
    let worst: { name: string; pct: number } | undefined;
    const evidence: Evidence[] = [];
    for (const [name, { total, ok }] of probes) {
      const pct = kind === 'availability' ? (ok / total) * 100 : ((total - ok) / total) * 100;
      evidence.push({ probe: name, total, failed: total - ok, percent: round(pct), summary: `probe ${name}: ${ok} of ${total} succeeded since ${iso(from)}` });
      if (!worst || (kind === 'availability' ? pct < worst.pct : pct > worst.pct)) worst = { name, pct };
    }
    for (const r of lastFailures(env.db, worst!.name, from, env.now, 5)) evidence.push(resultEvidence(r, 'failure'));
    return judged(check, worst!.pct, evidence);
  };
}

export const availability = ratio('availability');
export const errorRate = ratio('errors');

/** Nearest-rank p95 latency per probe, in seconds; the slowest probe decides. */
export const responseTimeP95: Evaluator = (check, env) => {
  const from = env.now - check.windowMs;
  const count = env.db.prepare('SELECT COUNT(*) AS n FROM probe_results WHERE name = ? AND ts >= ? AND ts <= ? AND latency_ms IS NOT NULL');
  const names = probeNames(env.db).map((name) => ({ name, n: (count.get(name, from, env.now) as { n: number }).n })).filter((x) => x.n > 0);
  if (names.length === 0) return unknown(`no probe latencies in the last ${ago(check.windowMs)}`);
  const at = env.db.prepare(`SELECT * FROM probe_results WHERE name = ? AND ts >= ? AND ts <= ? AND latency_ms IS NOT NULL
     ORDER BY latency_ms, ts LIMIT 1 OFFSET ?`);
  let worst = 0;
  const evidence: Evidence[] = [];
  for (const { name, n } of names) {
    const rank = Math.ceil(0.95 * n) - 1;
    const row = at.get(name, from, env.now, rank) as ProbeRow;
    const p95 = (row.latency_ms ?? 0) / 1000;
    worst = Math.max(worst, p95);
    evidence.push({ ...resultEvidence(row, `p95 of ${n}`), probe: name, p95_s: round(p95), summary: `probe ${name}: p95 ${round(p95)} s over ${n} results since ${iso(from)} (the result at that rank: ${iso(row.ts)})` });
  }
  return judged(check, worst, evidence);
};
