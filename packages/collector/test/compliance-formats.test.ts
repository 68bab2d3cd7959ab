/**
 * Compliance from real formats: the contract's logfmt backup and deployment lines and the
 * native pgBackRest log (test/fixtures/backup/mock-all-001.log) go through the real
 * decoders and the core's event store, then the checks are evaluated at a controlled clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDecoder } from '../src/decoders/index.js';
import { openDatabase, type DB } from '../src/store/db.js';
import { LocalWriteQueue } from '../src/store/writer/queue.js';
import { migrateCore } from '../src/store/schema.js';
import { migrateCompliance } from '../src/compliance/schema.js';
import { loadChecks } from '../src/compliance/loader.js';
import { EVALUATOR_NAMES } from '../src/compliance/evaluators/index.js';
import { evaluateAll } from '../src/compliance/engine.js';
import { insertLogEvents, type LogRecord } from '../src/compliance/seed.js';
import { RULESET_DIR } from '../src/paths.js';
import type { CheckResult } from '../src/compliance/types.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const H = 3_600_000, D = 24 * H, M = 60_000;
const NOW = Date.parse('2026-11-27T14:00:00Z');
const checks = loadChecks(join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES);

/** Decodes lines of one file as the collector would and returns the records to store. */
function decodeFile(type: 'backup' | 'deployment', text: string, readTimeMs: (i: number) => number): LogRecord[] {
  const dec = createDecoder(type);
  let offset = 0;
  return text.split('\n').filter((l) => l.length > 0).map((l, i) => {
    const fields = dec.decode(l, { readTimeMs: readTimeMs(i), agent: 'db1', path: `/var/log/${type}.log`, offset });
    offset += Buffer.byteLength(l) + 1;
    return { type, agent: 'db1', fields };
  });
}

const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The scenario as the contract's logfmt lines. */
function logfmtHistory(): { backup: string; deployment: string } {
  const b: Array<[number, string]> = [];
  const lastDb = NOW - 12 * H;
  for (let t = lastDb - 30 * D + 6 * H; t <= lastDb; t += 6 * H) {
    const failed = t === lastDb - 3 * D + 12 * H;
    b.push([t - 7 * M, `time=${at(t - 7 * M)} job=postgres kind=database status=started`]);
    b.push([t, failed ? `time=${at(t)} job=postgres kind=database status=failed duration=7m error="could not connect to server"`
      : `time=${at(t)} job=postgres kind=database status=succeeded duration=7m size=2.5GB`]);
  }
  for (let day = Date.parse('2026-10-28T00:00:00Z'); day <= NOW; day += D) {
    b.push([day + 2 * H + 5 * M, `time=${at(day + 2 * H + 5 * M)} job=files kind=full status=succeeded duration=45m size=120GB`]);
  }
  b.sort((x, y) => x[0] - y[0]);
  const d: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = NOW - 29 * D + i * 17 * H;
    d.push(`time=${at(t)} service=api version=1.${i} id=dep-${i} status=started user=ci`);
    d.push(`time=${at(t + 3 * M)} service=api version=1.${i} id=dep-${i} status=${i === 12 ? 'failed error="migration failed"' : 'succeeded'} duration=3m`);
  }
  return { backup: b.map((x) => x[1]).join('\n') + '\n', deployment: d.join('\n') + '\n' };
}

describe('compliance from decoded log formats', () => {
  let dir: string, db: DB;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-fmt-'));
    db = openDatabase(join(dir, 'vigil.db'));
    migrateCore(db);
    migrateCompliance(db);
  });
  afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });
  const byId = (rs: CheckResult[], id: string) => rs.find((r) => r.id === id)!;

  it('judges the contract-format backup and deployment history as the issue says', async () => {
    const { backup, deployment } = logfmtHistory();
    insertLogEvents(db, [...decodeFile('backup', backup, () => NOW), ...decodeFile('deployment', deployment, () => NOW)], NOW);
    const { results } = await evaluateAll(checks, { db, now: NOW, dataDir: dir }, new LocalWriteQueue(db));
    expect(byId(results, 'backup-every-6h')).toMatchObject({ status: 'fail', value: 12 * 3600 });
    expect(byId(results, 'backup-success-rate').status).toBe('fail');
    expect(byId(results, 'backup-success-rate').evidence.find((e) => e.status === 'failed')).toMatchObject({ job: 'postgres', error: 'could not connect to server', time: '2026-11-24T14:00:00.000Z' });
    expect(byId(results, 'daily-full-backup')).toMatchObject({ status: 'pass', value: 0 });
    expect(byId(results, 'change-success-rate')).toMatchObject({ status: 'pass', value: 97.5 });

    const fresh = NOW + 5 * M;
    insertLogEvents(db, decodeFile('backup', `time=${at(fresh - M)} job=postgres kind=database status=succeeded duration=6m\n`, () => fresh), fresh);
    expect(byId((await evaluateAll(checks, { db, now: fresh, dataDir: dir }, new LocalWriteQueue(db))).results, 'backup-every-6h')).toMatchObject({ status: 'pass', value: 60 });
  });

  it('counts pgBackRest backups by their final line, not its housekeeping commands', async () => {
    const text = readFileSync(join(FIXTURES, 'backup', 'mock-all-001.log'), 'utf8');
    // The mock log has no timestamps: lines are read one minute apart, ending an hour ago.
    const n = text.split('\n').filter((l) => l.length > 0).length;
    const recs = decodeFile('backup', text, (i) => NOW - H - (n - i) * M);
    const stored = insertLogEvents(db, recs, NOW);
    const ends = text.split('\n').filter((l) => /^P\d\d +INFO: backup command end: /.test(l));
    const ok = ends.filter((l) => l.includes('completed successfully')).length;
    expect([ok, ends.length]).toEqual([12, 14]);
    const rate = byId((await evaluateAll(checks, { db, now: NOW, dataDir: dir }, new LocalWriteQueue(db))).results, 'backup-success-rate');
    expect(rate.status).toBe('fail');
    expect(rate.value).toBeCloseTo((ok / ends.length) * 100, 2);
    const failedIds = stored.filter((s) => String(s.fields.message).includes('backup command end: aborted')).map((s) => s.id);
    expect(rate.evidence.filter((e) => e.status === 'failed').map((e) => e.event_id).sort()).toEqual(failedIds.sort());
  });
});
