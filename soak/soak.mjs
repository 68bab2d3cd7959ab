// The crash soak: a real collector and a real agent (./vigil), a steady writer appending
// lines with a unique marker each to a tailed file, a rotation every `rotateEvery` seconds
// (rename+create and copytruncate in turn) and `kills` random SIGKILLs of the collector,
// the agent or both. Then it stops writing, lets everything drain and counts each marker
// through the HTTP API: lines written, lost, duplicated. CLI and printing: run.mjs.
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, start, stop, vigilSync, waitFor } from '../bench/lib/procs.mjs';

/** A small seeded PRNG (mulberry32): the same seed replays the same kill schedule. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AGENT = 'soak-1';
const MARK = /soak-(\d+) payload/;
const line = (i) => `Nov 27 10:00:00 ${AGENT} app[1]: soak-${i} payload\n`;

class Api {
  constructor(url, token) { this.url = url; this.token = token; }
  async get(path) {
    const r = await fetch(this.url + path, { headers: { authorization: `Bearer ${this.token}` } });
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  }
  async healthy() { return fetch(`${this.url}/api/health`).then((r) => r.ok, () => false); }
  async count(query = '') { return (await this.get(`/api/events/count?agent=${AGENT}${query}`)).count; }
  /** Per marker, how many stored log events carry it; and how many events carry none. */
  async tally(written) {
    const seen = new Uint8Array(written);
    let unmarked = 0;
    let cursor = null;
    do {
      const page = await this.get(`/api/events?agent=${AGENT}&limit=10000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const e of page.events) {
        const m = MARK.exec(e.message ?? '');
        const i = m ? Number(m[1]) : -1;
        if (i >= 0 && i < written) seen[i] = Math.min(255, seen[i] + 1);
        else unmarked++;
      }
      cursor = page.next_cursor;
    } while (cursor);
    return { seen, unmarked };
  }
}

/** Appends marked lines, numbered from 0: `write(k)` at once, `run(rate)` per second in 50 ms ticks. */
function writer(file) {
  let n = 0;
  let owed = 0;
  let t;
  const write = (k) => { let s = ''; for (let j = 0; j < k; j++) s += line(n++); if (s) appendFileSync(file, s); };
  return {
    written: () => n,
    write,
    run(rate) { t = setInterval(() => { owed += rate / 20; const k = Math.floor(owed); owed -= k; write(k); }, 50); },
    stop: () => clearInterval(t),
  };
}

/**
 * Runs the soak. opts: kills, rotateEvery (s), seed, rate (lines/s), minGap/maxGap (ms
 * between kills), drainTimeout (ms without progress), keep (leave the temp dir), log(msg).
 */
export async function runSoak(opts) {
  const o = { rate: 2000, minGap: 300, maxGap: 2000, drainTimeout: 60_000, keep: false, log: () => {}, ...opts };
  const rand = prng(o.seed);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-soak-'));
  const data = join(dir, 'data');
  const state = join(dir, 'state');
  const file = join(dir, 'logs', 'app.log');
  mkdirSync(join(dir, 'logs'));
  writeFileSync(file, '');
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, `files:\n  - path: ${file}\n    type: syslog\n`);
  const port = await freePort();
  const api = new Api(`http://127.0.0.1:${port}`, vigilSync(['token', 'create', '--data', data, '--api', 'soak', '--role', 'admin']));
  const agentToken = vigilSync(['token', 'create', '--data', data, '--agent', AGENT]);
  let collector;
  let agent;
  const startCollector = async () => {
    collector = start(['collector', '--listen', `127.0.0.1:${port}`, '--data', data]);
    await waitFor(() => api.healthy(), 60_000, `the collector to answer (${collector.stderrText().slice(-500)})`, 50);
  };
  const startAgent = () => {
    agent = start(['agent', '--collector', `ws://127.0.0.1:${port}`, '--token', agentToken, '--state', state, '--name', AGENT, '--config', config]);
  };
  const kill = (child) => stop(child, 'SIGKILL');

  const figures = { seed: o.seed, kills: { requested: o.kills, collector: 0, agent: 0, both: 0 }, rotations: { rename: 0, copytruncate: 0 } };
  const t0 = Date.now();
  let w;
  let rotator;
  try {
    await startCollector();
    startAgent();
    // Kill nothing before the agent watches its file: its first scan must meet it unrotated.
    w = writer(file);
    w.write(10);
    await waitFor(async () => (await api.count()) >= 10, 60_000, 'the first lines to be stored', 100);
    w.run(o.rate);
    let r = 0;
    rotator = setInterval(() => {
      if (r++ % 2 === 0) { renameSync(file, `${file}.${r}`); writeFileSync(file, ''); figures.rotations.rename++; }
      else { copyFileSync(file, `${file}-${r}`); truncateSync(file, 0); figures.rotations.copytruncate++; }
    }, o.rotateEvery * 1000);

    for (let k = 1; k <= o.kills; k++) {
      await sleep(o.minGap + rand() * (o.maxGap - o.minGap));
      const p = rand();
      const which = p < 0.4 ? 'collector' : p < 0.8 ? 'agent' : 'both';
      figures.kills[which]++;
      if (which !== 'agent') await kill(collector);
      if (which !== 'collector') await kill(agent);
      await sleep(rand() * 300);
      if (which !== 'agent') await startCollector();
      if (which !== 'collector') startAgent();
      if (k % 10 === 0 || k === o.kills) o.log(`kill ${k}/${o.kills} (${which}), ${w.written()} lines written, ${Math.round((Date.now() - t0) / 1000)} s`);
    }
    clearInterval(rotator);
    w.stop();
    const total = w.written();
    figures.written = total;
    o.log(`writer stopped at ${total} lines; draining`);
    // Drain: until every line is stored, or nothing more arrives for drainTimeout.
    let last = -1;
    let since = Date.now();
    for (;;) {
      const c = await api.count();
      if (c !== last) { last = c; since = Date.now(); }
      if (c >= total || Date.now() - since > o.drainTimeout) break;
      await sleep(500);
    }
    await sleep(1000); // a duplicate committed late would still show
    const { seen, unmarked } = await api.tally(total);
    let lost = 0;
    let duplicated = 0;
    const firstLost = [];
    for (let i = 0; i < total; i++) {
      if (seen[i] === 0) { lost++; if (firstLost.length < 10) firstLost.push(i); }
      else duplicated += seen[i] - 1;
    }
    Object.assign(figures, {
      stored: total - lost, lost, duplicated, unmarked, first_lost: firstLost,
      loss_events: await api.count('&kind=loss'),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    });
    figures.seconds_per_kill = o.kills ? Math.round(figures.seconds / o.kills * 100) / 100 : 0;
    return figures;
  } finally {
    clearInterval(rotator);
    w?.stop();
    if (agent) await kill(agent);
    if (collector) await kill(collector);
    const failed = figures.lost !== 0 || figures.duplicated !== 0;
    if (o.keep || failed) { figures.dir = dir; o.log(`kept ${dir}`); } else rmSync(dir, { recursive: true, force: true });
  }
}
