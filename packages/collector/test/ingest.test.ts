import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import Database from 'better-sqlite3';
import { compressFrame, encodeAgentFrame, encodeBatchFrame, encodeEventsFragment } from '@vigil/proto';
import type { StoredEvent } from '../src/model.js';
import type { RunningCollector } from '../src/server.js';
import { AgentClient, line, tempDir, testCollector } from './core-helpers.js';
import { validateConfig } from '../src/config/load.js';
import { MetricsRegistry } from '../src/metrics/registry.js';
import { DecoderCache } from '../src/ingest/decoder-cache.js';
import { FieldCaps } from '../src/ingest/field-caps.js';

let c: RunningCollector;
let token: string;
let cleanup: () => void;
const committed: StoredEvent[] = [];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  c = await testCollector(t.dir);
  token = await c.core.tokens.create('agent', 'web1');
  c.ctx.bus.on('committed', (evs) => committed.push(...evs));
});
afterAll(async () => { await c.stop(); cleanup(); });

const headers = (tok: string, name: string) => ({ authorization: `Bearer ${tok}`, 'x-vigil-agent': name });
const logCount = () => c.core.events.count({ kind: 'log' });

async function session(name = 'web1', instanceId = 'inst-a', tok = token): Promise<{ a: AgentClient; lastSeq: number }> {
  const a = await AgentClient.connect(c.url, headers(tok, name));
  a.send({ hello: { agentName: name, instanceId, version: '0.1.0', clockMs: Date.now(), host: { hostname: 'web1.example' } } });
  const w = await a.next();
  expect(w.welcome).toBeDefined();
  expect(w.welcome!.acceptsDeflated).toBe(true); // batches may come deflated
  expect(w.welcome!.acceptsBrotli).toBe(true); // or as Brotli
  return { a, lastSeq: w.welcome!.lastSeq };
}

describe('ingest over a real WebSocket', () => {
  it('refuses bad credentials with HTTP 401 before any upgrade', async () => {
    const other = await c.core.tokens.create('agent', 'db1');
    const api = await c.core.tokens.create('api', 'dash', 'admin');
    const attempts: Array<Record<string, string>> = [
      {}, { 'x-vigil-agent': 'web1' }, headers('vgl_000000000000_' + 'A'.repeat(43), 'web1'),
      headers(other, 'web1'), headers(api, 'web1'), { authorization: `Bearer ${token}` },
    ];
    for (const h of attempts) {
      await expect(AgentClient.connect(c.url, h)).rejects.toMatchObject({ status: 401 });
    }
    expect(c.core.metrics.render()).toMatch(/vigil_ingest_rejects_total\{reason="unauthorized"\} 6/);
    expect(logCount()).toBe(0);
  });

  it('hello → welcome, batch → ack; a resent batch is stored once; a gap is recorded', async () => {
    const { a, lastSeq } = await session();
    expect(lastSeq).toBe(0);
    const batch = { firstSeq: 1, sentMs: Date.now(), events: [line(0, 'Failed password for root from 203.0.113.7 port 22 ssh2'), line(60, 'second')] };
    a.send({ batch });
    expect((await a.next()).ack).toEqual({ seq: 2 });
    a.send({ batch });
    expect((await a.next()).ack).toEqual({ seq: 2 });
    expect(logCount()).toBe(2);
    expect(committed.filter((e) => e.kind === 'log')).toHaveLength(2);
    a.send({ batch: { firstSeq: 5, events: [line(200, 'after gap')] } });
    expect((await a.next()).ack).toEqual({ seq: 5 });
    const loss = c.core.events.query({ kind: 'loss' }, 10).events;
    expect(loss).toHaveLength(1);
    expect(loss[0].fields).toMatchObject({ 'vigil.loss.first_seq': 3, 'vigil.loss.last_seq': 4 });
    a.send({ heartbeat: { clockMs: Date.now(), stats: { linesRead: 5, bytesRead: 300, eventsDropped: 0 } } });
    await new Promise((r) => setTimeout(r, 100));
    const agent = c.core.agents.list(Date.now()).find((x) => x.name === 'web1')!;
    expect(agent).toMatchObject({ status: 'online', lines_read: 5, bytes_read: 300, last_seq: 5, instance_id: 'inst-a' });
    expect(agent.host).toMatchObject({ hostname: 'web1.example' });
    await a.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(c.core.agents.list(Date.now()).find((x) => x.name === 'web1')!.status).toBe('offline');
    // Reconnecting, the same instance resumes from its high-water mark.
    const again = await session();
    expect(again.lastSeq).toBe(5);
    await again.a.close();
  });

  it('a burst of batches sent without waiting is read with backpressure, acked in order, stored once', async () => {
    const before = logCount();
    const { a, lastSeq } = await session('web1', 'inst-burst');
    // Another connection holds the write lock, so the writer thread cannot commit and the
    // batches queue up: the socket must stop being read (deterministically), then drain.
    const blocker = new Database(c.ctx.db.name);
    blocker.exec('BEGIN IMMEDIATE');
    const paused = () => Number(/vigil_ingest_paused_total (\d+)/.exec(c.core.metrics.render())?.[1] ?? 0);
    const pausedBefore = paused();
    const N = 30;
    const SIZE = 400;
    for (let b = 0; b < N; b++) {
      const first = lastSeq + b * SIZE + 1;
      a.send({ batch: { firstSeq: first, events: Array.from({ length: SIZE }, (_, i) => line(i, `burst ${first + i}`)) } });
    }
    for (let i = 0; i < 100 && paused() === pausedBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect(paused()).toBeGreaterThan(pausedBefore);
    expect(logCount()).toBe(before); // nothing committed while the lock is held
    blocker.exec('COMMIT');
    blocker.close();
    const acks: number[] = [];
    for (let b = 0; b < N; b++) acks.push((await a.next()).ack!.seq);
    expect(acks).toEqual(Array.from({ length: N }, (_, b) => lastSeq + (b + 1) * SIZE));
    expect(logCount() - before).toBe(N * SIZE);
    await a.close();
  });

  it('a new instance restarts sequences and is recorded as an audit event', async () => {
    const { a, lastSeq } = await session('web1', 'inst-b');
    expect(lastSeq).toBe(0);
    a.send({ batch: { firstSeq: 1, events: [line(0, 'from b')] } });
    expect((await a.next()).ack).toEqual({ seq: 1 });
    const audit = c.core.events.query({ kind: 'audit' }, 10).events;
    expect(audit.map((e) => e.fields['event.action'])).toContain('agent-instance-changed');
    await a.close();
  });

  it('closes a session on protocol violations with a Refusal and 1008', async () => {
    const a = await AgentClient.connect(c.url, headers(token, 'web1'));
    a.send({ batch: { firstSeq: 1, events: [line(0, 'too early')] } });
    const f = await a.next();
    expect(f.refusal?.reason).toMatch(/before_hello/);
    await a.closed;
    expect(a.closeCode).toBe(1008);
    const b = await AgentClient.connect(c.url, headers(token, 'web1'));
    b.send({ hello: { agentName: 'someone-else', instanceId: 'x' } });
    expect((await b.next()).refusal?.reason).toMatch(/name_mismatch/);
    await b.closed;
    expect(b.closeCode).toBe(1008);
  });

  // DEFLATE bodies inflate, Brotli ones expand: the messages name the codec's own verb.
  for (const [codec, past] of [['deflated', /inflates past/], ['brotli', /expands past/]] as const) {
    it(`accepts ${codec} batches (announced in Welcome) and refuses bombs, bad data and non-batches inside`, async () => {
      const instance = `inst-${codec}`;
      const { a, lastSeq } = await session('web1', instance);
      expect(lastSeq).toBe(0);
      const before = logCount();
      const api = await c.core.tokens.create('api', `bytes-${codec}`, 'viewer');
      const bytesIn = async () => Number(/^vigil_ingest_bytes_total (\d+)/m.exec(await (await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${api}` } })).text())?.[1]);
      const bytes0 = await bytesIn();
      const events = Array.from({ length: 500 }, (_, i) => line(i * 80, `Failed password for root from 198.51.100.${i % 250} port ${1000 + i} ssh2`));
      const plain = encodeBatchFrame(1, Date.now(), [encodeEventsFragment(events)]);
      a.ws.send(compressFrame(plain, codec), { compress: false });
      expect((await a.next()).ack).toEqual({ seq: 500 });
      expect(logCount()).toBe(before + 500);
      expect(await bytesIn() - bytes0).toBe(plain.length); // counted as decoded, like permessage-deflate frames
      const bad: Array<[string, Uint8Array, RegExp]> = [
        ['bomb', compressFrame(new Uint8Array(64 << 20), codec), past],
        // fixed bytes that are neither valid Brotli nor DEFLATE (random ones sometimes expand to a frame)
        ['garbage', encodeAgentFrame({ [codec]: Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 255)) }), new RegExp(`malformed ${codec} frame`)],
        ['heartbeat inside', compressFrame(encodeAgentFrame({ heartbeat: { clockMs: 1 } }), codec), /must carry a batch/],
        ['compressed inside', compressFrame(compressFrame(encodeBatchFrame(501, 0, []), codec), codec), /must carry a batch/],
      ];
      for (const [what, bytes, reason] of bad) {
        const s = await session('web1', instance);
        s.a.ws.send(bytes, { compress: false });
        const f = await s.a.next();
        expect(f.refusal?.reason, what).toMatch(/malformed_frame/);
        expect(f.refusal?.reason, what).toMatch(reason);
        await s.a.closed;
        expect(s.a.closeCode).toBe(1008);
      }
      // Nothing of those was stored, and the collector still serves the agent.
      const again = await session('web1', instance);
      expect(again.lastSeq).toBe(500);
      expect(logCount()).toBe(before + 500);
      await again.a.close();
      await a.closed.catch(() => undefined);
    });
  }

  it('thousands of random frames leave the server healthy and store nothing', async () => {
    const before = { logs: logCount(), all: ['loss', 'audit', 'metric', 'container', 'probe'].map((k) => c.core.events.count({ kind: k as 'loss' })) };
    const frames = 2000;
    let closedWithReason = 0;
    const one = async (i: number) => {
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/ingest`, { headers: headers(token, 'web1') });
      await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
      const size = 1 + (i % 97) * 7;
      const bytes = randomBytes(size);
      if (i % 3 === 0) bytes[0] = 0x12; // looks like a Batch field, then garbage
      ws.send(bytes);
      const code = await new Promise<number>((r) => ws.once('close', (cd) => r(cd)));
      if (code === 1008) closedWithReason++;
    };
    for (let i = 0; i < frames; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => one(i + k)));
    expect(closedWithReason).toBe(frames);
    expect(logCount()).toBe(before.logs);
    expect(['loss', 'audit', 'metric', 'container', 'probe'].map((k) => c.core.events.count({ kind: k as 'loss' }))).toEqual(before.all);
    // Oversized frame: closed with 1009.
    const big = new WebSocket(`${c.url.replace('http', 'ws')}/ingest`, { headers: headers(token, 'web1') });
    await new Promise((r) => big.once('open', r));
    big.send(Buffer.alloc(17 * 1024 * 1024));
    expect(await new Promise<number>((r) => big.once('close', (cd) => r(cd)))).toBe(1009);
    // Still serving.
    const { a } = await session('web1', 'inst-b');
    a.send({ batch: { firstSeq: 2, events: [line(10, 'still alive')] } });
    expect((await a.next()).ack).toEqual({ seq: 2 });
    await a.close();
    const health = await fetch(`${c.url}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('closes the socket of a revoked token within about a second', async () => {
    const t2 = await c.core.tokens.create('agent', 'web2');
    const { a } = await session('web2', 'w2', t2);
    const started = Date.now();
    await c.core.tokens.revoke('web2', Date.now());
    await a.closed;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(a.closeCode).toBe(1008);
    expect(a.closeReason).toMatch(/revoked/);
    await expect(AgentClient.connect(c.url, headers(t2, 'web2'))).rejects.toMatchObject({ status: 401 });
  });
});

describe('ingest bounds what an agent token can store', () => {
  it('cuts a 15 MiB line at the collector line cap (UTF-8 boundary) and flags it like the agent does', async () => {
    const t3 = await c.core.tokens.create('agent', 'big1');
    const { a } = await session('big1', 'big-a', t3);
    try {
      // 65535 ASCII bytes, then 'é' (2 bytes) across the 64 KiB cap, then 15 MiB more.
      const text = 'x'.repeat(65_535) + 'é' + 'y'.repeat(15 * 1024 * 1024);
      a.send({ batch: { firstSeq: 1, events: [line(0, text, 'syslog', '/var/log/big.log'), line(text.length + 2, 'short one', 'syslog', '/var/log/big.log')] } });
      expect((await a.next(30_000)).ack).toEqual({ seq: 2 });
      const page = c.core.events.query({ kind: 'log', agent: 'big1' }, 10);
      const [short, big] = page.events;
      expect(short.fields.message).toBe('short one');
      expect(short.fields['vigil.truncated']).toBeUndefined();
      expect(big.fields['vigil.truncated']).toBe(true);
      expect(big.fields['vigil.original_length']).toBe(Buffer.byteLength(text));
      expect(big.fields.message).toBe('x'.repeat(65_535)); // the 'é' would not fit whole
    } finally { await a.close(); }
  });

  it('ingest.max_line_bytes and api.max_response_bytes are validated, naming the key', () => {
    expect(() => validateConfig({ ingest: { max_line_bytes: 10 } })).toThrow(/ingest\.max_line_bytes/);
    expect(() => validateConfig({ ingest: { max_line_bytes: 'lots' } })).toThrow(/ingest\.max_line_bytes/);
    expect(() => validateConfig({ api: { max_response_bytes: -1 } })).toThrow(/api\.max_response_bytes/);
    expect(validateConfig({ ingest: { max_line_bytes: '1KiB' } }).ingest.max_line_bytes).toBe(1024);
    expect(validateConfig({}).api.max_response_bytes).toBe(8 * 1024 * 1024);
  });

  it('refuses a batch whose sequence crosses 2^53-1, acks nothing, and leaves the instance usable', async () => {
    const t4 = await c.core.tokens.create('agent', 'seq1');
    const first = await session('seq1', 'seq-a', t4);
    first.a.send({ batch: { firstSeq: 1, events: [line(0, 'before')] } });
    expect((await first.a.next()).ack).toEqual({ seq: 1 });
    const max = Number.MAX_SAFE_INTEGER;
    first.a.send({ batch: { firstSeq: max - 1, events: [line(10, 'a'), line(20, 'b'), line(30, 'c')] } });
    const f = await first.a.next();
    expect(f.ack ?? undefined).toBeUndefined();
    expect(f.refusal?.reason).toMatch(/^sequence_overflow: .*9007199254740991/);
    await first.a.closed;
    expect(first.a.closeCode).toBe(1008);
    // A first_seq past 2^53 (read imprecisely off the wire) is refused the same way.
    const second = await session('seq1', 'seq-a', t4);
    expect(second.lastSeq).toBe(1); // the mark did not move
    second.a.send({ batch: { firstSeq: 2 ** 60, events: [line(40, 'd')] } });
    expect((await second.a.next()).refusal?.reason).toMatch(/^sequence_overflow/);
    await second.a.closed;
    // The same instance goes on below the limit, and so does a new instance.
    const third = await session('seq1', 'seq-a', t4);
    expect(third.lastSeq).toBe(1);
    third.a.send({ batch: { firstSeq: 2, events: [line(40, 'after')] } });
    expect((await third.a.next()).ack).toEqual({ seq: 2 });
    await third.a.close();
    const fresh = await session('seq1', 'seq-b', t4);
    fresh.a.send({ batch: { firstSeq: 1, events: [line(0, 'new instance')] } });
    expect((await fresh.a.next()).ack).toEqual({ seq: 1 });
    await fresh.a.close();
    const messages = c.core.events.query({ kind: 'log', agent: 'seq1' }, 10).events.map((e) => e.fields.message);
    expect(messages).toEqual(['new instance', 'after', 'before']);
    expect(c.core.metrics.render()).toMatch(/vigil_ingest_rejects_total\{reason="sequence_overflow"\} 2/);
  });

  it('caps a 1 MiB path, 1 MiB journal fields and 1 MiB host facts before they are keys or stored, and counts the cuts', async () => {
    const t5 = await c.core.tokens.create('agent', 'caps1');
    const MiB = 1024 * 1024;
    const a = await AgentClient.connect(c.url, headers(t5, 'caps1'));
    try {
      a.send({ hello: { agentName: 'caps1', instanceId: 'caps-a', clockMs: Date.now(), host: { hostname: 'h'.repeat(MiB), os: 'linux', ips: Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) } } });
      expect((await a.next()).welcome).toBeDefined();
      const path = '/var/log/' + 'p'.repeat(MiB) + '.log';
      const host = 'é'.repeat(MiB / 2); // 1 MiB of 2-byte characters: cut on a character boundary
      const plain = line(60, 'sshd[42]: Failed password for root from 203.0.113.9 port 22 ssh2', 'syslog', 'journal');
      const journal = { ...plain, line: { ...plain.line, fields: { _HOSTNAME: host, SYSLOG_IDENTIFIER: 's'.repeat(MiB), _PID: '42', ['K'.repeat(MiB)]: 'v' } } };
      a.send({ batch: { firstSeq: 1, events: [line(0, 'on a long path', 'syslog', path), journal] } });
      expect((await a.next(30_000)).ack).toEqual({ seq: 2 });
      const [j, long] = c.core.events.query({ kind: 'log', agent: 'caps1' }, 10).events;
      expect(long.fields.message).toBe('on a long path');
      expect(long.fields['log.file.path']).toBe(path.slice(0, 4096));
      expect(String(j.fields['host.name'])).toBe('é'.repeat(512));
      expect(Buffer.byteLength(JSON.stringify(j.fields))).toBeLessThan(8 * 1024);
      const agent = c.core.agents.list(Date.now()).find((x) => x.name === 'caps1')!;
      expect((agent.host as { hostname: string }).hostname).toBe('h'.repeat(1024));
      expect((agent.host as { ips: string[] }).ips).toHaveLength(64);
      const prom = c.core.metrics.render();
      expect(prom).toMatch(/vigil_ingest_truncated_values_total\{field="line\.path"\} 1\b/);
      expect(prom).toMatch(/vigil_ingest_truncated_values_total\{field="line\.fields"\} 3\b/);
      expect(prom).toMatch(/vigil_ingest_truncated_values_total\{field="host\.hostname"\} 1\b/);
      expect(prom).toMatch(/vigil_ingest_truncated_values_total\{field="host\.ips"\} 936\b/);
    } finally { await a.close(); }
  });

  it('caps a 1 MiB container name and 10,000 labels; /api/containers pages with next_cursor', async () => {
    const t6 = await c.core.tokens.create('agent', 'caps2');
    const viewer = await c.core.tokens.create('api', 'caps-viewer', 'viewer');
    const { a } = await session('caps2', 'caps2-a', t6);
    try {
      // 10,000 labels, the first ones with 1 KiB keys and 4 KiB values (a map keeps its first 64 entries).
      const labels: Record<string, string> = {};
      for (let i = 0; i < 10; i++) labels[`big.${i}.${'k'.repeat(1024)}`] = 'v'.repeat(4096);
      for (let i = 10; i < 10_000; i++) labels[`label.${i}`] = 'v'.repeat(100);
      const events = Array.from({ length: 6 }, (_, i) => ({ timeMs: Date.now(), containerState: {
        id: `${i}`.repeat(64), name: `c${i}-` + 'n'.repeat(i === 0 ? 1024 * 1024 : 2000), image: 'i'.repeat(i === 0 ? 1024 * 1024 : 1500),
        state: 'running', health: 'none', labels: i === 0 ? labels : { 'com.example.a': 'b' },
      } }));
      a.send({ batch: { firstSeq: 1, events } });
      expect((await a.next(60_000)).ack).toEqual({ seq: 6 });
      const seen: Array<Record<string, unknown>> = [];
      let url = `${c.url}/api/containers?agent=caps2&limit=4`;
      for (let n = 0; n < 10; n++) {
        const r = await fetch(url, { headers: { authorization: `Bearer ${viewer}` } });
        expect(r.status).toBe(200);
        const body = await r.json() as { containers: Array<Record<string, unknown>>; next_cursor: string | null };
        seen.push(...body.containers);
        if (body.next_cursor === null) break;
        url = `${c.url}/api/containers?agent=caps2&limit=2&cursor=${encodeURIComponent(body.next_cursor)}`;
      }
      expect(seen.map((x) => String(x.name).split('-')[0])).toEqual(['c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
      for (const x of seen) {
        expect(Buffer.byteLength(String(x.name))).toBe(1024);
        expect(String(x.image)).toBe('i'.repeat(1024));
      }
      const l = seen.at(-1)!.labels as Record<string, string>;
      expect(Object.keys(l)).toHaveLength(64);
      for (const [k, v] of Object.entries(l)) {
        expect(Buffer.byteLength(k)).toBeLessThanOrEqual(256);
        expect(Buffer.byteLength(v)).toBeLessThanOrEqual(1024);
      }
      expect(l[`big.0.${'k'.repeat(250)}`]).toBe('v'.repeat(1024));
      const prom = c.core.metrics.render();
      expect(prom).toMatch(/vigil_ingest_truncated_values_total\{field="container\.name"\} 6\b/);
      const bad = await fetch(`${c.url}/api/containers?cursor=bogus`, { headers: { authorization: `Bearer ${viewer}` } });
      expect(bad.status).toBe(400);
      expect((await bad.json()).parameter).toBe('cursor');
    } finally { await a.close(); }
  });

  it('the decoder cache holds capped keys: 200 streams of 1 MiB paths take 200 x 4 KiB of keys', () => {
    const caps = new FieldCaps(new MetricsRegistry().counter('t_total', 'test'), 64 * 1024);
    const cache = new DecoderCache(64 * 1024, 10_000);
    for (let i = 0; i < 200; i++) {
      const ev = line(0, 'x', 'syslog', `/var/log/${i}/` + 'p'.repeat(1024 * 1024));
      caps.event(ev);
      cache.get('web1', ev.line!.path!, 'syslog');
    }
    expect(cache.size).toBe(200);
    expect(cache.keyChars).toBeLessThanOrEqual(200 * (4096 + 'web1'.length + 'syslog'.length + 2));
  });

  it('every list route answers a bad cursor or an unparsable time with one 400 shape naming the parameter', async () => {
    const viewer = await c.core.tokens.create('api', 'params-viewer', 'viewer');
    const ask = async (path: string) => {
      const r = await fetch(`${c.url}${path}`, { headers: { authorization: `Bearer ${viewer}` } });
      return { status: r.status, body: await r.json() as { error: string; parameter: string } };
    };
    const forged = Buffer.from('a:5').toString('base64url'); // the alerts codec's old form: not ours any more
    for (const [path, parameter] of [
      ['/api/events?cursor=bogus', 'cursor'], [`/api/alerts?cursor=${forged}`, 'cursor'], ['/api/containers?cursor=bogus', 'cursor'],
      ['/api/containers/abcd/events?cursor=bogus', 'cursor'], ['/api/alerts?since=2026-01-31T12:00:60Z', 'since'],
      ['/api/metrics?name=cpu.pct&since=2026-02-30T00:00:00Z', 'since'], ['/api/compliance/x/history?since=yesterday', 'since'],
    ] as const) {
      const r = await ask(path);
      expect(r.status, path).toBe(400);
      expect(r.body.parameter, path).toBe(parameter);
      expect(r.body.error, path).toMatch(new RegExp(`^${parameter}: `));
    }
  });
});
