// Compliance end to end with real processes: a real agent tails backup and deployment logs
// written as the contract's logfmt lines (30 days of history, in real time), a real collector
// decodes and stores them, and the checks are read through the HTTP API.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Collector, cleanup, startAgent, tempDir, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';

const H = 3_600_000, D = 24 * H, M = 60_000;
const started: Array<Proc | Collector> = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const p of started.splice(0)) await ('proc' in p ? p.proc?.stop('SIGKILL') : p.stop('SIGKILL'));
  cleanup(...dirs.splice(0));
});

const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function history(now: number): { backup: string[]; deployment: string[] } {
  const b: Array<[number, string]> = [];
  const lastDb = Math.floor((now - 12 * H) / M) * M; // the last database backup finished about 12 h ago
  for (let t = lastDb - 30 * D + 6 * H, i = 0; t <= lastDb; t += 6 * H, i++) {
    const failed = t === lastDb - 3 * D + 12 * H; // one failed, 3 days ago
    b.push([t - 6 * M, `time=${at(t - 6 * M)} job=postgres kind=database status=started`]);
    b.push([t, `time=${at(t)} job=postgres kind=database status=${failed ? 'failed error="connection refused"' : 'succeeded'} duration=6m size=2GB`]);
  }
  const today = Math.floor(now / D) * D;
  for (let day = today - 30 * D; day <= today; day += D) {
    const t = day + 2 * H + 5 * M; // daily full backup at 02:05 UTC
    if (t < now) b.push([t, `time=${at(t)} job=files kind=full status=succeeded duration=40m size=80GB`]);
  }
  b.sort((x, y) => x[0] - y[0]);
  const d: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = now - 29 * D + i * 17 * H;
    d.push(`time=${at(t)} service=shop version=2.${i} id=rel-${i} status=started user=ci`);
    d.push(`time=${at(t + 4 * M)} service=shop version=2.${i} id=rel-${i} status=${i === 20 ? 'failed' : 'succeeded'} duration=4m`);
  }
  return { backup: b.map((x) => x[1]), deployment: d };
}

async function evaluate(c: Collector): Promise<Record<string, { status: string; value: number | null; evidence: any[] }>> {
  const r = await fetch(`${c.url}/api/compliance/evaluate`, { method: 'POST', headers: { authorization: `Bearer ${c.apiToken}` } });
  expect(r.status).toBe(200);
  const { checks } = await r.json() as { checks: Array<{ id: string; status: string; value: number | null; evidence: any[] }> };
  return Object.fromEntries(checks.map((x) => [x.id, x]));
}

describe('compliance end to end', () => {
  it('judges tailed backup and deployment logs, and follows a fresh backup', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const collector = await Collector.create(join(dir, 'data'));
    started.push(collector);
    await collector.start();
    const { backup, deployment } = history(Date.now());
    const backupLog = join(dir, 'backup.log');
    const deployLog = join(dir, 'deployment_history.log');
    writeFileSync(backupLog, backup.join('\n') + '\n');
    writeFileSync(deployLog, deployment.join('\n') + '\n');
    const config = writeAgentConfig(dir, `files:\n  - path: ${backupLog}\n    type: backup\n  - path: ${deployLog}\n    type: deployment\n`);
    started.push(startAgent({ collector, name: 'db-1', token: collector.agentToken('db-1'), state: join(dir, 'state'), config }));
    const total = backup.length + deployment.length;
    await waitFor(async () => (await collector.count('?agent=db-1')) >= total, 30_000, () => `fewer than ${total} events stored`);

    const r1 = await evaluate(collector);
    expect(r1['backup-every-6h'].status).toBe('fail');
    expect(r1['backup-every-6h'].value).toBeGreaterThan(12 * 3600 - 120);
    expect(r1['backup-every-6h'].evidence[0]).toMatchObject({ job: 'postgres', status: 'succeeded' });
    expect(r1['backup-success-rate'].status).toBe('fail');
    expect(r1['backup-success-rate'].evidence.some((e) => e.status === 'failed' && e.error === 'connection refused')).toBe(true);
    expect(r1['daily-full-backup']).toMatchObject({ status: 'pass', value: 0 });
    expect(r1['change-success-rate']).toMatchObject({ status: 'pass', value: 97.5 });
    expect(r1['change-success-rate'].evidence.find((e) => e.status === 'failed')).toMatchObject({ deployment_id: 'rel-20', service: 'shop' });
    expect(r1['agents-reporting'].status).toBe('pass');

    // Each evidence id is a stored event whose fields say the same thing.
    const id = r1['backup-every-6h'].evidence[0].event_id;
    const events = await collector.allEvents('agent=db-1&type=backup');
    const ev = events.find((e) => e.id === id);
    expect(ev).toMatchObject({ 'event.action': 'succeeded', 'backup.job': 'postgres', 'backup.kind': 'database', '@timestamp': r1['backup-every-6h'].evidence[0].time });

    appendFileSync(backupLog, `time=${at(Date.now() - M)} job=postgres kind=database status=succeeded duration=5m\n`);
    await waitFor(async () => (await collector.count('?agent=db-1')) >= total + 1, 15_000, () => 'fresh backup not stored');
    const r2 = await evaluate(collector);
    expect(r2['backup-every-6h'].status).toBe('pass');
    expect(r2['backup-every-6h'].value).toBeLessThan(5 * 60);

    const hist = await collector.get<{ history: Array<{ status: string }> }>('/api/compliance/backup-every-6h/history');
    expect(hist.history.slice(0, 2).map((h) => h.status)).toEqual(['pass', 'fail']);
  });
});
