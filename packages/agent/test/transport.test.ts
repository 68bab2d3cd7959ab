/**
 * The transport against a real ws server speaking the protocol (ws-collector.ts): Hello
 * and headers, Welcome resume, acks deleting from the outbox, bounded frames and window,
 * reconnect after the server restarts, a refused token retried, a Refusal frame, heartbeats,
 * and wss trusting a throwaway CA made with openssl.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCerts } from '../../../test/helpers/certs.js';
import { createLogger } from '@vigil/proto';
import type { Event } from '@vigil/proto';
import { Outbox } from '../src/outbox/outbox.js';
import { Transport } from '../src/transport/client.js';
import type { TransportOptions } from '../src/transport/client.js';
import { newState, startFakeCollector, until } from './ws-collector.js';
import type { FakeCollector } from './ws-collector.js';

const log = createLogger('silent');
const cleanups: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-transport-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function outbox(): Outbox {
  const o = new Outbox(tmp(), { maxBytes: 1 << 30 });
  cleanups.push(() => o.close());
  return o;
}
function transport(o: Outbox, url: string, extra: Partial<TransportOptions> = {}): Transport {
  const t = new Transport({ url, token: 'good-token', name: 'web-1', version: '0.1.0', outbox: o, log,
    backoffMinMs: 20, backoffMaxMs: 200, ...extra });
  cleanups.push(() => t.stop());
  t.start();
  return t;
}
async function collector(...args: Parameters<typeof startFakeCollector>): Promise<FakeCollector> {
  const c = await startFakeCollector(...args);
  cleanups.push(() => c.close());
  return c;
}
function lines(from: number, n: number, pad = 0): Event[] {
  return Array.from({ length: n }, (_, i) => ({ timeMs: Date.now(), line: { type: 'auth', text: `l${from + i} ${'p'.repeat(pad)}` } }));
}
const texts = (m: Map<number, Event>) => [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e.line!.text.split(' ')[0]);

describe('transport', () => {
  it('says Hello with headers, resumes after Welcome.lastSeq, and deletes on Ack', async () => {
    const st = newState();
    st.lastSeq = 4;   // the collector already holds 1..4
    const c = await collector(st);
    const o = outbox();
    o.emit(lines(0, 10));
    transport(o, c.url);
    await until(() => st.lastSeq === 10, 5000, 'first ten acked');
    expect(st.hellos[0]).toMatchObject({ agentName: 'web-1', version: '0.1.0', instanceId: o.instanceId });
    expect(st.hellos[0].host?.hostname).toBeTruthy();
    expect(st.headers[0].authorization).toBe('Bearer good-token');
    expect(st.headers[0]['x-vigil-agent']).toBe('web-1');
    expect(st.extensions[0]).toContain('permessage-deflate');
    expect(texts(st.events)).toEqual(['l4', 'l5', 'l6', 'l7', 'l8', 'l9']);   // seqs 5..10 only
    expect(st.duplicates).toBe(0);
    await until(() => o.stats().outboxEvents === 0, 2000, 'outbox emptied');
    const t0 = Date.now();
    o.emit(lines(10, 1));
    await until(() => st.lastSeq === 11, 2000, 'a new line');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('sends frames no bigger than 1 MiB and keeps at most 8 unacked', async () => {
    const st = newState();
    const c = await collector(st);
    const o = outbox();
    for (let i = 0; i < 100; i++) o.emit(lines(i * 200, 200, 500));  // ~10 MB in rows of ~100 KB
    o.emit(lines(20_000, 4000, 400));                                  // one ~1.6 MB row, split over frames
    st.heldAcks = [];
    transport(o, c.url);
    await until(() => st.heldAcks!.length >= 8, 5000, 'a full window');
    await new Promise((r) => setTimeout(r, 200));
    expect(st.heldAcks.length).toBe(8);                 // no ninth frame before an ack
    const held = st.heldAcks;
    st.heldAcks = undefined;
    for (const send of held) send();
    await until(() => o.stats().ackedSeq === 24_000, 10_000, 'all acked');
    expect(Math.max(...st.frameSizes)).toBeLessThanOrEqual(1024 * 1024);
    expect(st.events.size).toBe(24_000);
    expect(st.duplicates).toBe(0);
  });

  it('deflates batch frames itself when the collector accepts it, and only then', async () => {
    const st = newState();
    st.acceptsDeflated = true;
    const c = await collector(st);
    const o = outbox();
    for (let i = 0; i < 20; i++) o.emit(lines(i * 200, 200, 300));   // ~1.2 MB: more than one frame
    transport(o, c.url);
    await until(() => o.stats().ackedSeq === 4000, 10_000, 'all acked');
    expect(st.deflated).toBeGreaterThan(1);
    expect(st.events.size).toBe(4000);
    expect(st.duplicates).toBe(0);
    expect(texts(st.events).slice(0, 2)).toEqual(['l0', 'l1']);
    expect(Math.max(...st.frameSizes)).toBeLessThan(256 * 1024);     // sent compressed
    const plain = newState();
    const c2 = await collector(plain);
    const o2 = outbox();
    o2.emit(lines(0, 50));
    transport(o2, c2.url);
    await until(() => o2.stats().ackedSeq === 50, 10_000, 'acked by a collector without deflated frames');
    expect(plain.deflated).toBe(0);
  });

  it('compresses batch frames with Brotli when the collector accepts it, in preference to DEFLATE', async () => {
    const st = newState();
    st.acceptsDeflated = true;
    st.acceptsBrotli = true;
    const c = await collector(st);
    const o = outbox();
    for (let i = 0; i < 20; i++) o.emit(lines(i * 200, 200, 300));
    transport(o, c.url);
    await until(() => o.stats().ackedSeq === 4000, 10_000, 'all acked');
    expect(st.brotli).toBeGreaterThan(1);
    expect(st.deflated).toBe(0);
    expect(st.events.size).toBe(4000);
    expect(st.duplicates).toBe(0);
    expect(texts(st.events).slice(0, 2)).toEqual(['l0', 'l1']);
    expect(Math.max(...st.frameSizes)).toBeLessThan(256 * 1024);
  });

  it('reconnects after the collector restarts and loses nothing', async () => {
    const st = newState();
    let c = await startFakeCollector(st);
    const port = c.port;
    const o = outbox();
    const t = transport(o, c.url);
    o.emit(lines(0, 5));
    await until(() => st.lastSeq === 5, 5000, 'first acks');
    await c.close();
    await until(() => !t.connected, 2000, 'disconnect noticed');
    o.emit(lines(5, 5));
    await new Promise((r) => setTimeout(r, 100));
    c = await startFakeCollector(st, { port });
    cleanups.push(() => c.close());
    await until(() => st.lastSeq === 10, 10_000, 'resent after restart');
    expect(texts(st.events)).toEqual(Array.from({ length: 10 }, (_, i) => `l${i}`));
    expect(st.hellos.length).toBe(2);
    expect(st.hellos[1].bootId).toBe(st.hellos[0].bootId);
  });

  it('retries a refused token (HTTP 401) with backoff until it is accepted', async () => {
    const st = newState('created-later');
    const c = await collector(st);
    const o = outbox();
    o.emit(lines(0, 3));
    const t = transport(o, c.url);
    const statuses: number[] = [];
    t.on('rejected', (s: number) => statuses.push(s));
    await until(() => st.rejected >= 2, 5000, 'two refusals');
    expect(statuses[0]).toBe(401);
    expect(st.events.size).toBe(0);
    st.tokens.add('good-token');
    await until(() => st.lastSeq === 3, 5000, 'accepted later');
  });

  it('logs a Refusal frame and keeps retrying', async () => {
    const st = newState();
    const c = await collector(st);
    c.refuseNext = 'agent name taken';
    const t = transport(outbox(), c.url);
    const reasons: string[] = [];
    t.on('refusal', (r: string) => reasons.push(r));
    await until(() => reasons.length > 0 && st.hellos.length >= 2, 5000, 'refusal and retry');
    expect(reasons[0]).toBe('agent name taken');
    c.refuseNext = undefined;
    await until(() => t.connected, 5000, 'welcome after refusals');
  });

  it('sends heartbeats with agent stats', async () => {
    const st = newState();
    const c = await collector(st);
    const o = outbox();
    o.emit(lines(0, 7));
    transport(o, c.url, { heartbeatMs: 100 });
    await until(() => st.heartbeats.some((h) => Number(h.stats?.ackedSeq) === 7), 5000, 'heartbeat after acks');
    const hb = st.heartbeats[st.heartbeats.length - 1];
    expect(Number(hb.stats?.linesRead)).toBe(7);
    expect(Number(hb.stats?.bytesRead)).toBeGreaterThan(7 * 3);
    expect(Number(hb.stats?.rssBytes)).toBeGreaterThan(1e6);
    expect(hb.clockMs).toBeGreaterThan(0);
  });

  it('speaks wss to a collector whose certificate comes from a private CA given with --ca', async () => {
    const d = tmp();
    const certs = makeCerts(d);
    const st = newState();
    const c = await collector(st, { tls: { cert: readFileSync(certs.cert, 'utf8'), key: readFileSync(certs.key, 'utf8') } });
    expect(c.url.startsWith('wss://')).toBe(true);
    // without the CA the TLS handshake fails and nothing is sent
    const untrusted = transport(outbox(), c.url);
    let drops = 0;
    untrusted.on('disconnected', () => drops++);
    await until(() => drops >= 2, 5000, 'untrusted failures');
    expect(st.hellos.length).toBe(0);
    await untrusted.stop();
    const o = outbox();
    o.emit(lines(0, 4));
    transport(o, c.url, { ca: readFileSync(certs.ca) });
    await until(() => st.lastSeq === 4, 5000, 'acked over wss');
  });
});
