// Detection end to end: an agent tails a file, a brute force is appended to it, and one
// alert appears on the live feed within a second and updates as the attack goes on.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, cleanup, startAgent, tempDir, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';
import { openSse } from './helpers/sse.js';

let dir: string;
let collector: Collector;
let agent: Proc;
let log: string;

beforeAll(async () => {
  dir = tempDir();
  collector = await Collector.create(join(dir, 'data'));
  await collector.start();
  log = join(dir, 'auth.log');
  writeFileSync(log, '');
  const config = writeAgentConfig(dir, `files:\n  - path: ${log}\n    type: auth\n`);
  agent = startAgent({ collector, name: 'bastion', token: collector.agentToken('bastion'), state: join(dir, 'state'), config });
  await waitFor(async () => (await collector.get('/api/agents')).agents.some((a: any) => a.name === 'bastion' && a.status === 'online'), 15_000);
});
afterAll(async () => { await agent?.stop(); await collector?.proc?.stop(); cleanup(dir); });

function syslogTime(d = new Date()): string {
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

describe('detection end to end', () => {
  it('puts one brute-force alert on the feed within a second, then updates it', async () => {
    const feed = openSse(`${collector.url}/api/feed?rule.id=ssh-brute-force`, collector.apiToken);
    await new Promise((r) => setTimeout(r, 300));
    const attempt = (i: number) => `${syslogTime()} bastion sshd[${4000 + i}]: Failed password for invalid user u${i} from 198.51.100.23 port ${40000 + i} ssh2\n`;
    for (let i = 0; i < 4; i++) appendFileSync(log, attempt(i));
    const t0 = Date.now();
    appendFileSync(log, attempt(4)); // the fifth attempt within a minute crosses the threshold
    await waitFor(() => feed.events.length > 0, 5_000, () => 'no alert on the feed');
    const latency = feed.events[0].at - t0;
    expect(latency).toBeLessThan(1000);
    const alertOf = (e: { data: any }) => e.data.alert ?? e.data;
    const first = alertOf(feed.events[0]);
    expect(first['rule.id']).toBe('ssh-brute-force');
    expect(first.group['source.ip']).toBe('198.51.100.23');
    for (let i = 5; i < 12; i++) appendFileSync(log, attempt(i));
    await waitFor(() => feed.events.some((e) => alertOf(e).count > first.count), 5_000, () => 'no update');
    const ids = new Set(feed.events.map((e) => alertOf(e).id));
    expect(ids.size).toBe(1);
    const { alerts } = await collector.get('/api/alerts?rule.id=ssh-brute-force');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].count).toBeGreaterThan(first.count);
    feed.close();
  });
});
