// Compliance evaluation cost over 30 days of data: all twelve checks evaluated at once
// (the per-minute tick, after the derived-table catch-up) on a store holding 400k auth
// events, 30 days of backups and deployments and 3 probes every 30 s (259k results).
// Baseline in the same run: the backup success rate computed the naive way, scanning 30
// days of the events table with json_extract. Median of 5 runs; ratio = baseline / ours.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../packages/collector/dist/store/db.js';
import { migrateCore } from '../packages/collector/dist/store/schema.js';
import { migrateCompliance } from '../packages/collector/dist/compliance/schema.js';
import { loadChecks } from '../packages/collector/dist/compliance/loader.js';
import { EVALUATOR_NAMES } from '../packages/collector/dist/compliance/evaluators/index.js';
import { evaluateAll } from '../packages/collector/dist/compliance/engine.js';
import { catchUpOps } from '../packages/collector/dist/compliance/ops.js';
import { insertLogEvents, insertProbes, opFields } from '../packages/collector/dist/compliance/seed.js';
import { RULESET_DIR } from '../packages/collector/dist/paths.js';
import { LocalWriteQueue } from '../packages/collector/dist/store/writer/queue.js';

const H = 3_600_000, D = 24 * H;
const NOW = Date.parse('2026-11-27T14:00:00Z');
const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (fn) => { const t = process.hrtime.bigint(); const r = fn(); return [Number(process.hrtime.bigint() - t) / 1e6, r]; };
const msAsync = async (fn) => { const t = process.hrtime.bigint(); const r = await fn(); return [Number(process.hrtime.bigint() - t) / 1e6, r]; };

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-compliance-'));
const db = openDatabase(join(dir, 'vigil.db'));
migrateCore(db);
migrateCompliance(db);

const t0 = Date.now();
const AUTH = 400_000;
for (let b = 0; b < AUTH / 10_000; b++) {
  insertLogEvents(db, Array.from({ length: 10_000 }, (_, j) => {
    const i = b * 10_000 + j, at = NOW - 30 * D + Math.floor((i / AUTH) * 30 * D);
    return { type: 'auth', agent: 'web1', fields: { '@timestamp': new Date(at).toISOString(), message: `Failed password for root from 203.0.113.${i % 250} port ${40000 + (i % 20000)} ssh2`,
      'event.category': ['authentication'], 'event.outcome': 'failure', 'source.ip': `203.0.113.${i % 250}`, 'user.name': 'root' } };
  }), NOW);
}
const ops = [];
for (let t = NOW - 30 * D; t < NOW; t += 6 * H) ops.push({ type: 'backup', agent: 'db1', fields: opFields('backup', t, { 'backup.job': 'postgres', 'backup.kind': 'database', 'event.action': 'succeeded' }) });
for (let t = NOW - 30 * D; t < NOW; t += D) ops.push({ type: 'backup', agent: 'db1', fields: opFields('backup', t + 2 * H, { 'backup.job': 'files', 'backup.kind': 'full', 'event.action': 'succeeded' }) });
for (let i = 0; i < 80; i++) ops.push({ type: 'deployment', agent: 'app1', fields: opFields('deployment', NOW - 29 * D + i * 8 * H, { 'deployment.id': `d${i}`, 'deployment.service': 'api', 'event.action': 'succeeded' }) });
insertLogEvents(db, ops, NOW);
for (const name of ['app', 'api', 'web']) {
  const all = [];
  for (let t = NOW - 30 * D; t < NOW; t += 30_000) all.push({ timeMs: t, probe: { name, url: 'http://127.0.0.1/health', success: t % 997 !== 0, statusCode: 200, latencyMs: 50 + (t % 300) } });
  for (let i = 0; i < all.length; i += 20_000) insertProbes(db, 'web1', all.slice(i, i + 20_000), NOW);
}
console.log(`store: ${AUTH} auth events, ${ops.length} backup/deployment events, 3 x ${30 * D / 30_000} probe results (built in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

const [first] = ms(() => catchUpOps(db));
console.log(`first catch-up of the derived operations table over the whole store: ${first.toFixed(1)} ms`);

const checks = loadChecks(join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES);
const writer = new LocalWriteQueue(db); // results are stored through the write queue, as in the collector
const ours = [], naive = [];
for (let r = 0; r < RUNS; r++) {
  ours.push((await msAsync(() => evaluateAll(checks, { db, now: NOW + r * 60_000, dataDir: dir }, writer)))[0]);
  naive.push(ms(() => db.prepare(`SELECT COUNT(*) AS n, SUM(json_extract(fields, '$."event.action"') = 'succeeded') AS ok FROM events
     WHERE ts >= ? AND ts <= ? AND json_extract(fields, '$."vigil.type"') = 'backup'
       AND json_extract(fields, '$."event.action"') IN ('succeeded', 'failed')`).get(NOW - 30 * D, NOW))[0]);
}
const m = median(ours), b = median(naive);
console.log(`all 12 checks, one tick (median of ${RUNS}): ${m.toFixed(1)} ms`);
console.log(`baseline, backup success rate alone by json_extract over 30 days of events (median of ${RUNS}): ${b.toFixed(1)} ms`);
console.log(`ratio baseline / all checks: ${(b / m).toFixed(2)}x`);
await writer.close();
db.close();
rmSync(dir, { recursive: true, force: true });
