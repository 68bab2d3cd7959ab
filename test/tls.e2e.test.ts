// TLS end to end: the collector serves https and wss on one port with a certificate from a
// private CA; an agent that trusts the CA (--ca) delivers over wss; the API answers over https.
import { appendFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Collector, cleanup, startProc, tempDir, waitFor, writeAgentConfig, type Proc } from './helpers/procs.js';
import { makeCerts } from './helpers/certs.js';

const dir = tempDir();
const procs: Proc[] = [];
afterAll(async () => { for (const p of procs) await p.stop(); cleanup(dir); });

function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(ca), headers: { authorization: `Bearer ${token}` } }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(s) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  it('carries agent traffic over wss and the API over https, trusting a private CA', async () => {
    const { ca, cert, key } = makeCerts(dir);
    const collector = await Collector.create(join(dir, 'data'));
    const proc = startProc(['collector', '--listen', `127.0.0.1:${collector.port}`, '--data', collector.dataDir, '--tls-cert', cert, '--tls-key', key]);
    procs.push(proc);
    const base = `https://127.0.0.1:${collector.port}`;
    await waitFor(async () => (await httpsGet(`${base}/api/health`, ca, '').catch(() => ({ status: 0 }))).status === 200, 15_000, () => proc.stderr());
    // plain http on the TLS port is not served
    expect(await fetch(`http://127.0.0.1:${collector.port}/api/health`).then((r) => r.status).catch(() => 'refused')).not.toBe(200);

    const log = join(dir, 'auth.log');
    writeFileSync(log, '');
    const config = writeAgentConfig(dir, `files:\n  - path: ${log}\n    type: auth\n`);
    const token = collector.agentToken('tls-1');
    const agent = startProc(['agent', '--collector', `wss://127.0.0.1:${collector.port}`, '--token', token, '--state', join(dir, 'state'), '--name', 'tls-1', '--config', config, '--ca', ca]);
    procs.push(agent);
    for (let i = 0; i < 100; i++) appendFileSync(log, `Nov 27 10:00:00 h sshd[1]: Accepted publickey for u${i} from 10.0.0.1 port 22 ssh2\n`);
    await waitFor(async () => (await httpsGet(`${base}/api/events/count`, ca, collector.apiToken)).body.count === 100, 20_000, () => agent.stderr());

    // an agent that does not trust the CA never delivers
    const untrusted = startProc(['agent', '--collector', `wss://127.0.0.1:${collector.port}`, '--token', token, '--state', join(dir, 'state2'), '--name', 'tls-1', '--config', config]);
    procs.push(untrusted);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await httpsGet(`${base}/api/events/count`, ca, collector.apiToken)).body.count).toBe(100);
    expect(untrusted.stderr()).toMatch(/certificate|self.signed|UNABLE_TO_VERIFY|CERT/i);
  });
});
