// `./vigil replay` as a user runs it: each log type through the same decoders and rules as
// the collector, with NDJSON events carrying log.offset and alerts in their final state.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VIGIL, cleanup, tempDir } from './helpers/procs.js';

const dir = tempDir();
afterAll(() => cleanup(dir));

function replay(file: string, type: string): any[] {
  const out = execFileSync(VIGIL, ['replay', file, '--type', type, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

describe('vigil replay', () => {
  it('fires backup-failed on a failed backup line, with the offset of every line', () => {
    const lines = [
      'time=2026-11-27T01:00:00Z job=postgres kind=database status=started',
      'time=2026-11-27T01:05:00Z job=postgres kind=database status=failed error="disk full" duration=5m',
      '{"time":"2026-11-27T02:00:00Z","job":"nightly","kind":"full","status":"succeeded","size":"1.2GB"}',
    ];
    const file = join(dir, 'backup.log');
    writeFileSync(file, lines.join('\n')); // no final newline: processed at end of file
    const recs = replay(file, 'backup');
    const events = recs.filter((r) => r.record === 'event');
    expect(events.map((e) => e['log.offset'])).toEqual([0, lines[0].length + 1, lines[0].length + lines[1].length + 2]);
    expect(events[1]['event.outcome']).toBe('failure');
    expect(events[2]['backup.size']).toBe(1_200_000_000);
    const alerts = recs.filter((r) => r.record === 'alert');
    expect(alerts.map((a) => a['rule.id'])).toContain('backup-failed');
    const a = alerts.find((x) => x['rule.id'] === 'backup-failed');
    expect(a.group['backup.job']).toBe('postgres');
  });

  it('fires deployment-failed on a rolled back deployment', () => {
    const file = join(dir, 'deployment_history.log');
    writeFileSync(file, [
      'time=2026-11-27T10:00:00Z id=d-41 service=api version=1.4.2 status=started user=alice',
      'time=2026-11-27T10:03:00Z id=d-41 service=api version=1.4.2 status=rolled_back error="health check failed"',
    ].join('\n') + '\n');
    const recs = replay(file, 'deployment');
    const failed = recs.find((r) => r.record === 'event' && r['event.action'] === 'rolled_back');
    expect(failed['event.outcome']).toBe('failure');
    expect(failed['deployment.id']).toBe('d-41');
    expect(recs.some((r) => r.record === 'alert' && r['rule.id'] === 'deployment-failed')).toBe(true);
  });

  it('counts each attack once per rule on the real OpenSSH log: at most 2 brute-force alerts per source', () => {
    const recs = replay(join(import.meta.dirname, 'fixtures/loghub/OpenSSH_2k.log'), 'auth');
    expect(recs.filter((r) => r.record === 'event')).toHaveLength(2000);
    const perSource = new Map<string, number>();
    for (const a of recs.filter((r) => r.record === 'alert' && String(r['rule.id']).startsWith('ssh-brute-force'))) {
      const ip = a.group['source.ip'] ?? a.group['source.address'];
      perSource.set(ip, (perSource.get(ip) ?? 0) + 1);
    }
    expect(perSource.size).toBeGreaterThan(5);
    for (const n of perSource.values()) expect(n).toBeLessThanOrEqual(2);
  });
});
