/**
 * agents-reporting: how many reporting sources are silent. An agent is silent when it was
 * last heard (heartbeat or events) longer than params.max_silence (2 min) ago; a probe is silent when
 * its last run is older than params.probe_interval plus grace. Agents come from the
 * compliance module's own last-heard table plus the core's agents registry when present.
 */
import type { DB } from '../../store/db.js';
import { hasTable } from '../schema.js';
import { iso } from '../duration.js';
import type { Evaluator, Evidence } from '../types.js';
import { ago, durationParam, judged, unknown } from './common.js';

/** The core registry's agents with their last_seen (ms), when that table exists. */
function registeredAgents(db: DB): Array<{ name: string; last_seen: number | null }> {
  if (!hasTable(db, 'agents')) return [];
  try {
    return db.prepare('SELECT name, last_seen FROM agents').all() as Array<{ name: string; last_seen: number | null }>;
  } catch {
    return []; // a registry without these columns is not one we can read
  }
}

export const agentsReporting: Evaluator = (check, env) => {
  const heard = new Map((env.db.prepare('SELECT name, last_seen_ms FROM compliance_agents').all() as Array<{ name: string; last_seen_ms: number }>)
    .map((r) => [r.name, r.last_seen_ms]));
  for (const a of registeredAgents(env.db)) {
    const seen = typeof a.last_seen === 'number' ? Math.max(a.last_seen, heard.get(a.name) ?? 0) : heard.get(a.name);
    heard.set(a.name, seen as number);
  }
  const names = new Set(heard.keys());
  if (names.size === 0) return unknown('no agents registered or heard from');
  const limitMs = durationParam(check, 'max_silence', '2m');
  const evidence: Evidence[] = [];
  let silent = 0;
  for (const name of [...names].sort()) {
    const seen = heard.get(name) || undefined;
    const late = seen === undefined || env.now - seen > limitMs;
    if (late) silent++;
    evidence.push({
      agent: name, time: seen === undefined ? undefined : iso(seen), status: late ? 'silent' : 'reporting',
      summary: seen === undefined ? `agent ${name}: never heard from` : `agent ${name}: last heard ${ago(env.now - seen)} ago (${iso(seen)})`,
    });
  }
  const interval = durationParam(check, 'probe_interval', '1h');
  // Probes that ran within the window; the latest run at or before the collector's clock counts.
  const lastRun = env.db.prepare('SELECT ts, event_id FROM probe_results WHERE name = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC LIMIT 1');
  const probes = (env.db.prepare('SELECT name FROM probe_names ORDER BY name').all() as Array<{ name: string }>).flatMap(({ name }) => {
    const r = lastRun.get(name, env.now - check.windowMs, env.now) as { ts: number; event_id: number } | undefined;
    return r ? [{ name, last: r.ts, event_id: r.event_id }] : [];
  });
  for (const p of probes) {
    const late = env.now - p.last > interval + check.graceMs;
    if (late) silent++;
    evidence.push({ probe: p.name, event_id: p.event_id, time: iso(p.last), status: late ? 'silent' : 'reporting', summary: `probe ${p.name}: last ran ${ago(env.now - p.last)} ago (${iso(p.last)})` });
  }
  return judged(check, silent, evidence);
};
