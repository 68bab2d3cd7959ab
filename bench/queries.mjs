// Queries on a big store: fills a database with realistic auth events (bench/gen-auth.mjs,
// four agents, types auth and syslog) through the collector's own batch path (the commit
// pipeline and its writer thread), printing the ingest rate per tenth of the rows (target:
// the last tenth within 10% of the second), then starts a real collector from dist on that
// database and measures p50/p95 of /api/events and /api/events/count by source.ip,
// user.name, agent, type and time ranges over HTTP. Target: p95 < 50 ms for each.
// Needs `tsc -b` first (uses dist/). VIGIL_BENCH_EVENTS scales it (default 10,000,000).
import { mkdtempSync, rmSync, createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAgentFrame, decodeAgentFrame } from '../packages/proto/dist/index.js';
import { openDatabase } from '../packages/collector/dist/store/db.js';
import { DB_FILE, migrateCore } from '../packages/collector/dist/store/schema.js';
import { createEventStore } from '../packages/collector/dist/store/events.js';
import { createAgentRegistry } from '../packages/collector/dist/store/agents.js';
import { createCommitPipeline } from '../packages/collector/dist/ingest/pipeline.js';
import { WorkerWriteQueue } from '../packages/collector/dist/store/writer/thread.js';
import { BodyHandlers } from '../packages/collector/dist/ingest/handlers.js';
import { DecoderCache } from '../packages/collector/dist/ingest/decoder-cache.js';
import { generateAuthLog } from './gen-auth.mjs';
import { start, stop, vigilSync, freePort, waitFor, fmt } from './lib/procs.mjs';

const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 10_000_000);
const BATCH = 1000;
const AGENTS = ['web-1', 'web-2', 'web-3', 'web-4'];
const IN_FLIGHT = 8;
const REQUESTS = 40;
const TARGET_MS = 50;
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-queries-'));
const data = join(dir, 'data');

/** Fills the store: batch k goes to agent k % 4, every tenth as type syslog; returns the ingest rate per tenth. */
async function fill(file) {
  const db = openDatabase(join(data, DB_FILE));
  migrateCore(db);
  const events = createEventStore(db, db);
  const writer = new WorkerWriteQueue(db.name);
  const agents = createAgentRegistry(writer, db);
  const now = Date.now();
  for (const a of AGENTS) await agents.hello({ agentName: a, instanceId: 'bench' }, now);
  const pipeline = createCommitPipeline({ writer, reader: db, agents, decoders: new DecoderCache(), bodies: new BodyHandlers(), templates: events.templates });
  const seq = new Map(AGENTS.map((a) => [a, 1]));
  const offset = new Map(AGENTS.map((a) => [a, 0]));
  const tenth = Math.max(BATCH, Math.floor(EVENTS / 10));
  const rates = [];
  let inflight = 0;
  let wake = null;
  let failed = null;
  let done = 0;
  let mark = { rows: 0, t: process.hrtime.bigint() };
  const submit = (k, lines) => {
    const agent = AGENTS[k % AGENTS.length];
    const type = k % 10 === 9 ? 'syslog' : 'auth';
    let off = offset.get(agent);
    const evs = lines.map((text) => {
      const ev = { timeMs: Date.now(), line: { type, path: `/var/log/${type}.log`, offset: off, text } };
      off += Buffer.byteLength(text) + 1;
      return ev;
    });
    offset.set(agent, off);
    const firstSeq = seq.get(agent);
    seq.set(agent, firstSeq + evs.length);
    const frame = encodeAgentFrame({ batch: { firstSeq, sentMs: Date.now(), events: evs } });
    inflight++;
    pipeline.submit(agent, 'bench', decodeAgentFrame(frame).batch, Date.now(), 0, (err) => {
      inflight--;
      if (err) failed ??= err;
      done += evs.length;
      if (done - mark.rows >= tenth) {
        const t = process.hrtime.bigint();
        rates.push({ at: done, rate: (done - mark.rows) / (Number(t - mark.t) / 1e9) });
        mark = { rows: done, t };
      }
      wake?.();
    });
  };
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lines = [];
  let k = 0;
  for await (const line of rl) {
    if (!line) continue;
    lines.push(line);
    if (lines.length < BATCH) continue;
    submit(k++, lines);
    lines = [];
    while (inflight >= IN_FLIGHT) await new Promise((r) => { wake = r; });
    if (failed) throw failed;
  }
  if (lines.length) submit(k++, lines);
  while (inflight > 0) await new Promise((r) => { wake = r; });
  if (failed) throw failed;
  await pipeline.close();
  await writer.close();
  const span = db.prepare('SELECT min(ts) AS lo, max(ts) AS hi, count(*) AS n FROM events').get();
  db.close();
  return { rates, span };
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

try {
  const file = join(dir, 'auth.log');
  let t0 = Date.now();
  const truth = await generateAuthLog(file, { lines: EVENTS, seed: 11 });
  console.log(`generated ${fmt(truth.lines)} auth.log lines in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  t0 = Date.now();
  const { rates, span } = await fill(file);
  rmSync(file, { force: true });
  console.log(`stored ${fmt(span.n)} events in ${((Date.now() - t0) / 1000).toFixed(0)} s through the commit pipeline (writer thread), ${AGENTS.length} agents`);
  console.log(`ingest per tenth: ${rates.map((r) => `${fmt(r.at / 1e3)}k: ${fmt(r.rate)}/s`).join(', ')}`);
  if (rates.length >= 3) {
    // The first tenth includes warm-up: the ratio is also given against the second.
    const late = rates[rates.length - 1];
    const vs = (early, what) => {
      const ratio = late.rate / early.rate;
      return `${ratio.toFixed(2)} vs ${what} (${fmt(early.rate)}/s)${ratio >= 0.9 ? '' : ' NOT met'}`;
    };
    console.log(`ingest over the last tenth (${fmt(late.rate)}/s, up to ${fmt(late.at)} rows): ${vs(rates[0], `the first (up to ${fmt(rates[0].at)})`)}, ${vs(rates[1], 'the second')}; target >= 0.90`);
  }

  const token = vigilSync(['token', 'create', '--data', data, '--api', 'bench', '--role', 'viewer']);
  const port = await freePort();
  const collector = start(['collector', '--listen', `127.0.0.1:${port}`, '--data', data]);
  const url = `http://127.0.0.1:${port}`;
  const get = async (path) => {
    const r = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
    return r.json();
  };
  try {
    await waitFor(async () => (await get('/api/events/count').catch(() => null)) !== null, 120_000, 'collector');
    const rnd = ((s) => () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; })(5);
    const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
    const ips = [...truth.fast, ...truth.slow, ...truth.benign, ...truth.scanners];
    const iso = (ms) => new Date(ms).toISOString();
    const range = (ms) => { const since = span.lo + Math.floor(rnd() * Math.max(1, span.hi - span.lo - ms)); return `since=${iso(since)}&until=${iso(since + ms)}`; };
    const filters = [
      ['source.ip', () => `source.ip=${encodeURIComponent(pick(ips))}`],
      ['user.name', () => `user.name=${pick(['root', 'alice', 'deploy', 'admin', 'oracle', 'nobody'])}`],
      ['agent', () => `agent=${pick(AGENTS)}`],
      ['type', () => `type=${pick(['auth', 'syslog'])}`],
      ['time range 1h', () => range(3600e3)],
      ['time range 1d', () => range(86400e3)],
      ['agent + 1h', () => `agent=${pick(AGENTS)}&${range(3600e3)}`],
      ['source.ip + 1d', () => `source.ip=${encodeURIComponent(pick(ips))}&${range(86400e3)}`],
    ];
    const time = async (path) => { const t = process.hrtime.bigint(); await get(path); return Number(process.hrtime.bigint() - t) / 1e6; };
    console.log(`\n${REQUESTS} requests per filter (values picked at random), on ${fmt(span.n)} events; ms:`);
    console.log(`${'filter'.padEnd(16)} ${'events p50'.padStart(10)} ${'p95'.padStart(7)}   ${'count p50'.padStart(10)} ${'p95'.padStart(7)}   target p95 < ${TARGET_MS} ms`);
    let missed = 0;
    for (const [name, q] of filters) {
      await get(`/api/events?${q()}`); // warm the statements
      const page = [];
      const count = [];
      for (let i = 0; i < REQUESTS; i++) {
        const query = q();
        page.push(await time(`/api/events?${query}`));
        count.push(await time(`/api/events/count?${query}`));
      }
      const ok = pct(page, 0.95) < TARGET_MS && pct(count, 0.95) < TARGET_MS;
      if (!ok) missed++;
      const f = (x) => x.toFixed(1).padStart(7);
      console.log(`${name.padEnd(16)} ${f(pct(page, 0.5)).padStart(10)} ${f(pct(page, 0.95))}   ${f(pct(count, 0.5)).padStart(10)} ${f(pct(count, 0.95))}   ${ok ? 'met' : 'NOT met'}`);
    }
    console.log(`p95 < ${TARGET_MS} ms: ${missed === 0 ? 'met for every filter' : `NOT met for ${missed} filter(s)`}`);
  } finally {
    await stop(collector);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
