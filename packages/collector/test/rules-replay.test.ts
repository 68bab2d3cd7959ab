// Offline replay with the real decoders: byte offsets that map back to lines (a final line
// without a newline included), real sshd logs, and the acceptance check on a generated
// auth.log with known attackers (bench/gen-auth.mjs, fixed seed): the brute-force rules
// flag attackers with precision and recall >= 0.99 and one alert per source.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayFiles, type ReplaySummary } from '../src/rules/replay.js';
import { forEachLine } from '../src/rules/lines.js';
import { RULESET_DIR } from '../src/paths.js';
import type { EcsFields } from '../src/model.js';
// @ts-expect-error plain ESM generator script without types
import { generateAuthLog } from '../../../bench/gen-auth.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = join(RULESET_DIR, 'detections');
const work = mkdtempSync(join(tmpdir(), 'vigil-replay-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bruteForceBySource(sum: ReplaySummary): Map<string, number> {
  const by = new Map<string, number>();
  for (const a of sum.alerts) {
    if (!a.rule.id.startsWith('ssh-brute-force')) continue;
    const src = a.group['source.ip'] ?? a.group['source.address'];
    by.set(src, (by.get(src) ?? 0) + 1);
  }
  return by;
}

describe('line reading', () => {
  it('gives each line its byte offset, handles CRLF, multi-byte text and a last line without newline', async () => {
    const f = join(work, 'lines.log');
    writeFileSync(f, 'first\r\nsécond ✓\n\nlast-no-newline');
    const got: Array<[string, number]> = [];
    await forEachLine(f, (t, o) => got.push([t, o]));
    expect(got).toEqual([['first', 0], ['sécond ✓', 7], ['', 19], ['last-no-newline', 20]]);
  });
});

describe('replay', () => {
  it('replays real sshd logs: every line an event whose log.offset points at its line', async () => {
    const file = join(ROOT, 'test/fixtures/loghub/OpenSSH_2k.log');
    const bytes = readFileSync(file);
    const events: EcsFields[] = [];
    const sum = await replayFiles([file], { type: 'auth', rulesDir: RULES, onEvent: (f) => events.push(f) });
    expect(sum.lines).toBe(2000);
    expect(events).toHaveLength(2000);
    expect(sum.decoded + sum.unparsed).toBe(2000);
    for (const ev of [events[0], events[999], events[1999]]) {
      const off = ev['log.offset'] as number;
      const end = bytes.indexOf(10, off);
      const line = bytes.subarray(off, end === -1 ? bytes.length : end).toString();
      expect(line.endsWith(String(ev.message).trimEnd()) || line.includes(String(ev.message).trim())).toBe(true);
      expect(ev['log.file.path']).toBe(file);
    }
    expect(bytes[bytes.length - 1]).not.toBe(10); // the file's last line has no newline, and it was replayed
    // The heavy attacker of this log is flagged, by both brute-force rules and no more.
    const by = bruteForceBySource(sum);
    expect(by.get('183.62.140.253')).toBe(1); // the fast rule flagged it: no second, slow alert
    // One alert per episode (suppressed_by); two only where a slow attack sped up (slow first, then the P1)
    for (const [src, n] of by) {
      if (n === 1) continue;
      const [slow, fast] = ['ssh-brute-force-slow', 'ssh-brute-force'].map((id) => sum.alerts.filter((a) => a.rule.id === id && a.group['source.ip'] === src));
      expect([n, slow.length, fast.length]).toEqual([2, 1, 1]);
      expect(Date.parse(slow[0].first_seen) < Date.parse(fast[0].first_seen)).toBe(true);
    }
    const a = sum.alerts.find((x) => x.rule.id === 'ssh-brute-force' && x.group['source.ip'] === '183.62.140.253')!;
    expect(a.count).toBeGreaterThan(100);
    expect(a.evidence).toHaveLength(20);
    expect(typeof a.evidence[0]).toBe('number');
  });

  it('acceptance: generated auth.log, brute-force precision and recall >= 0.99, one alert per source', async () => {
    const file = join(work, 'gen-auth.log');
    const truth = await generateAuthLog(file, { lines: 40_000, seed: 11 });
    const attackers = new Set<string>([...truth.fast, ...truth.slow]);
    expect(truth.fast.length).toBeGreaterThan(20);
    expect(truth.slow.length).toBeGreaterThan(20);
    expect(truth.benign.length).toBeGreaterThan(200);
    expect(truth.scanners.length).toBeGreaterThan(200);
    const sum = await replayFiles([file], { type: 'auth', rulesDir: RULES });
    const by = bruteForceBySource(sum);
    const flagged = new Set(by.keys());
    const tp = [...flagged].filter((s) => attackers.has(s)).length;
    const precision = tp / flagged.size;
    const recall = tp / attackers.size;
    expect(precision).toBeGreaterThanOrEqual(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.99);
    for (const n of by.values()) expect(n).toBe(1); // one alert per episode (suppressed_by)
    // Fast attackers trip the fast rule (which suppresses the slow one); slow ones only the slow rule.
    const fastIds = new Set(sum.alerts.filter((a) => a.rule.id === 'ssh-brute-force').map((a) => a.group['source.ip']));
    expect(truth.slow.filter((s: string) => fastIds.has(s))).toEqual([]);
    expect(truth.fast.every((s: string) => fastIds.has(s))).toBe(true);
    // Benign users (1-2 failures, then a login) never look like a successful brute force.
    expect(sum.alerts.filter((a) => a.rule.id === 'ssh-success-after-failures')).toEqual([]);
    expect(truth.benign.some((s: string) => by.has(s))).toBe(false);
    expect(truth.scanners.some((s: string) => by.has(s))).toBe(false);
  });
});

describe('replay --until', () => {
  const backups = () => {
    const f = join(work, 'backup.log');
    writeFileSync(f, [
      'time=2026-11-27T00:00:00Z job=postgres kind=database status=succeeded duration=12s size=1048576',
      'time=2026-11-27T06:00:00Z job=postgres kind=database status=succeeded duration=12s size=1048576',
      'time=2026-11-27T09:00:00Z job=postgres kind=database status=succeeded duration=13s size=1048576',
    ].join('\n') + '\n');
    return f;
  };

  it('without it, the input ends the clock: the silence after the last backup fires nothing', async () => {
    const sum = await replayFiles([backups()], { type: 'backup', rulesDir: RULES });
    expect(sum.decoded).toBe(3);
    expect(sum.alerts.filter((a) => a.rule.id === 'backup-database-missing')).toEqual([]);
  });

  it('lets event time run on after the input: a backup missing by then fires once, grouped by job', async () => {
    const early = await replayFiles([backups()], { type: 'backup', rulesDir: RULES, untilMs: Date.parse('2026-11-27T14:00:00Z') });
    expect(early.alerts.filter((a) => a.rule.id === 'backup-database-missing')).toEqual([]); // 5 h of silence
    const late = await replayFiles([backups()], { type: 'backup', rulesDir: RULES, untilMs: Date.parse('2026-11-27T16:00:00Z') });
    const missing = late.alerts.filter((a) => a.rule.id === 'backup-database-missing');
    expect(missing).toHaveLength(1);
    expect(missing[0].group).toEqual({ 'backup.job': 'postgres' });
  });
});
