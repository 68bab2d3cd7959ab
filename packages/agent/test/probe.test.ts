/**
 * HTTP(S) probes against real local servers: 2xx/3xx succeed with status and latency;
 * 5xx, refused connections, timeouts and untrusted TLS fail with the error as reason; the
 * source emits one `probe` event per check at its interval and stops cleanly.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@vigil/proto';
import type { Event } from '@vigil/proto';
import { checkOnce } from '../src/sources/probe/check.js';
import { createProbeSource } from '../src/sources/probe/index.js';
import { until } from './ws-collector.js';

let http: Server;
let https: Server;
let base = '';
let tlsBase = '';
const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-'));

beforeAll(async () => {
  http = createServer((req, res) => {
    if (req.url === '/health') { res.end('{"status":"ok"}'); return; }
    if (req.url === '/moved') { res.writeHead(302, { location: '/health' }).end(); return; }
    if (req.url === '/slow') { setTimeout(() => res.end('late'), 2000); return; }
    res.writeHead(503).end('down');
  });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
  https = createHttps({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  tlsBase = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
});
afterAll(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await new Promise((r) => https.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('probe checks', () => {
  it('counts 2xx and 3xx as success with status and latency', async () => {
    const ok = await checkOnce({ name: 'app', url: `${base}/health`, timeout: 1000 });
    expect(ok).toMatchObject({ name: 'app', url: `${base}/health`, success: true, statusCode: 200, error: '' });
    expect(ok.latencyMs).toBeGreaterThan(0);
    expect(await checkOnce({ name: 'r', url: `${base}/moved`, timeout: 1000 })).toMatchObject({ success: true, statusCode: 302 });
  });
  it('fails on 5xx, refused connections, timeouts and untrusted TLS, giving the reason', async () => {
    expect(await checkOnce({ name: 'd', url: `${base}/down`, timeout: 1000 })).toMatchObject({ success: false, statusCode: 503, error: 'HTTP 503' });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await checkOnce({ name: 'c', url: `http://127.0.0.1:${port}/`, timeout: 1000 });
    expect(refused).toMatchObject({ success: false, statusCode: 0 });
    expect(refused.error).toContain('ECONNREFUSED');
    const slow = await checkOnce({ name: 's', url: `${base}/slow`, timeout: 150 });
    expect(slow).toMatchObject({ success: false, error: 'timeout after 150 ms' });
    expect(slow.latencyMs).toBeGreaterThanOrEqual(140);
    const tls = await checkOnce({ name: 't', url: `${tlsBase}/`, timeout: 1000 });
    expect(tls.success).toBe(false);
    expect(tls.error).toMatch(/SELF_SIGNED|self.signed/i);
  });
});

describe('probe source', () => {
  it('emits one probe event per check at the interval, and stops', async () => {
    const events: Event[] = [];
    const src = createProbeSource([
      { name: 'app', url: `${base}/health`, interval: 100, timeout: 500 },
      { name: 'bad', url: `${base}/down`, interval: 100, timeout: 500 },
    ]);
    await src.start({
      emit: (evs) => { events.push(...evs); }, checkpoint: () => undefined, checkpoints: () => [],
      room: () => Promise.resolve(), log: createLogger('silent'), signal: new AbortController().signal,
    });
    await until(() => events.filter((e) => e.probe?.name === 'app').length >= 3 && events.some((e) => e.probe?.name === 'bad'), 5000, 'probe events');
    await src.stop();
    const n = events.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(events.length).toBe(n);
    expect(events.find((e) => e.probe?.name === 'bad')!.probe).toMatchObject({ success: false, statusCode: 503 });
    expect(events[0].timeMs).toBeGreaterThan(0);
  });
});
