import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { startCollector, type RunningCollector } from '../src/server.js';
import { validateConfig } from '../src/config/load.js';
import { AgentClient, quietLog, tempDir } from './core-helpers.js';
import { makeCerts } from '../../../test/helpers/certs.js';

let c: RunningCollector;
let ca: Buffer;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  const certs = makeCerts(t.dir);
  ca = readFileSync(certs.ca);
  c = await startCollector({ host: '127.0.0.1', port: 0, dataDir: join(t.dir, 'data'), config: validateConfig({ tls: { cert: certs.cert, key: certs.key } }), log: quietLog });
});
afterAll(async () => { await c.stop(); cleanup(); });

function httpsGet(path: string, trust?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${c.url}${path}`, { ca: trust }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  it('serves https with the configured certificate', async () => {
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await httpsGet('/api/health', ca);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ok' });
    await expect(httpsGet('/api/health')).rejects.toThrow(/certificate/i); // untrusted without the CA
  });

  it('accepts agents over wss on the same port', async () => {
    const token = await c.core.tokens.create('agent', 'secure1');
    const a = await AgentClient.connect(c.url, { authorization: `Bearer ${token}`, 'x-vigil-agent': 'secure1' }, { ca });
    expect(a.ws.url).toMatch(/^wss:/);
    a.send({ hello: { agentName: 'secure1', instanceId: 's1' } });
    expect((await a.next()).welcome?.lastSeq).toBe(0);
    a.send({ batch: { firstSeq: 1, events: [{ timeMs: Date.now(), line: { type: 'syslog', path: '/var/log/syslog', offset: 0, text: 'over tls' } }] } });
    expect((await a.next()).ack?.seq).toBe(1);
    await a.close();
    expect(c.core.events.query({ kind: 'log', agent: 'secure1' }, 5).events[0].fields.message).toBe('over tls');
  });
});
