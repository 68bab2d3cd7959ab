#!/usr/bin/env node
// Telemetry benchmark (root only: it runs a private Docker engine via scripts/docker-engine.sh).
//  1. Cost of one host sample: the /proc sampler the agent uses vs systeminformation's calls
//     for the same figures (baseline), median of N, ratio.
//  2. 20 running containers; dockerd's (and its containerd's) CPU over a window with no agent
//     (baseline), then over the same length with a real agent (./vigil agent, host + docker
//     metrics at a 10 s interval, shipping to a real collector): agent CPU % of one core and
//     RSS (from /proc/<pid>/stat and status), dockerd overhead = with agent - without.
// Targets: agent <= 1% of a core and <= 100 MB RSS; dockerd overhead <= 1% of a core.
// BENCH_WINDOW_S (default 60) sets each window's length.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const VIGIL = join(ROOT, 'vigil');
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 60);
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const cpuTicks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
const rssBytes = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const childPids = (pid) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

/** CPU % of one core per 10 s slice (and overall) of the given pids over `seconds`. */
async function measure(pids, seconds, onSlice = () => {}) {
  const slices = [];
  const start = pids.map(cpuTicks), t0 = performance.now();
  let prev = start, tp = t0;
  for (let s = 0; s < seconds; s += 10) {
    await sleep(Math.min(10, seconds - s) * 1000);
    const now = pids.map(cpuTicks), tn = performance.now();
    slices.push(pids.map((_, i) => (100 * (now[i] - prev[i]) / TICK) / ((tn - tp) / 1000)));
    onSlice();
    prev = now; tp = tn;
  }
  const total = pids.map((_, i) => (100 * (prev[i] - start[i]) / TICK) / ((tp - t0) / 1000));
  return { total, medians: pids.map((_, i) => median(slices.map((s) => s[i]))) };
}

async function hostSampleCost() {
  const { createProcSampler } = await import(join(ROOT, 'packages/agent/dist/sources/host/sampler.js'));
  const { createSiSampler } = await import(join(ROOT, 'packages/agent/dist/sources/host/si-sampler.js'));
  const proc = createProcSampler(), si = await createSiSampler();
  const time = async (fn, n) => { const out = []; for (let i = 0; i < n; i++) { const t = performance.now(); await fn(); out.push(performance.now() - t); await sleep(20); } return median(out); };
  await proc.sample(Date.now()); await si.sample(Date.now());
  const p = await time(() => proc.sample(Date.now()), 30);
  const s = await time(() => si.sample(Date.now()), 10);
  console.log(`host sample cost: /proc sampler median ${p.toFixed(2)} ms; systeminformation (baseline) median ${s.toFixed(2)} ms; ratio ${(s / p).toFixed(1)}x cheaper`);
}

const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

async function main() {
  if (process.getuid() !== 0) { console.log('telemetry bench: SKIPPED (needs root for a private Docker engine)'); return; }
  await hostSampleCost();
  const dir = mkdtempSync('/tmp/vb-');
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const script = join(ROOT, 'scripts/docker-engine.sh');
  const sock = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const procs = [];
  try {
    const docker = (...a) => execFileSync('/usr/bin/docker', ['-H', `unix://${sock}`, ...a], { encoding: 'utf8' });
    for (let i = 0; i < 20; i++) docker('run', '-d', '--network', 'none', '--name', `bench-${i}`, 'vigil-busybox', 'sleep', '100000');
    const dockerd = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    const containerd = childPids(dockerd).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'containerd');
    const engine = containerd ? [dockerd, containerd] : [dockerd];
    await sleep(3000);
    const base = await measure(engine, WINDOW_S);

    const data = join(work, 'data'), port = await freePort();
    const token = execFileSync(VIGIL, ['token', 'create', '--data', data, '--agent', 'bench'], { encoding: 'utf8' }).trim();
    const collector = spawn(VIGIL, ['collector', '--listen', `127.0.0.1:${port}`, '--data', data], { stdio: 'ignore' });
    procs.push(collector);
    for (let i = 0; i < 100; i++) { if (await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false)) break; await sleep(100); }
    writeFileSync(join(work, 'agent.yaml'), `metrics:\n  host: { interval: 10s }\n  docker: { socket: ${sock}, interval: 10s }\n`);
    const agent = spawn(VIGIL, ['agent', '--collector', `ws://127.0.0.1:${port}`, '--token', token, '--state', join(work, 'state'),
      '--name', 'bench', '--config', join(work, 'agent.yaml')], { stdio: 'ignore' });
    procs.push(agent);
    await sleep(5000); // start-up (module loading, first full inspect) is not the steady state
    const rss = [];
    const withAgent = await measure([...engine, agent.pid], WINDOW_S, () => rss.push(rssBytes(agent.pid)));
    const n = engine.length;
    const agentCpu = withAgent.total[n], agentRssMb = Math.max(...rss) / 2 ** 20;
    const over = (i) => withAgent.total[i] - base.total[i];
    console.log(`window ${WINDOW_S} s, 20 running containers, agent interval 10 s (figures: % of one core; medians of 10 s slices)`);
    console.log(`dockerd without agent (baseline): ${base.total[0].toFixed(3)}% (median ${base.medians[0].toFixed(3)}%)`);
    console.log(`dockerd with agent:               ${withAgent.total[0].toFixed(3)}% (median ${withAgent.medians[0].toFixed(3)}%)  overhead ${over(0).toFixed(3)}% [target <= 1%] ${over(0) <= 1 ? 'OK' : 'OVER'}`);
    if (containerd) console.log(`containerd without / with agent:  ${base.total[1].toFixed(3)}% / ${withAgent.total[1].toFixed(3)}%  overhead ${over(1).toFixed(3)}%`);
    console.log(`agent CPU: ${agentCpu.toFixed(3)}% (median ${withAgent.medians[n].toFixed(3)}%) [target <= 1%] ${agentCpu <= 1 ? 'OK' : 'OVER'}`);
    console.log(`agent RSS: max ${agentRssMb.toFixed(1)} MB, median ${(median(rss) / 2 ** 20).toFixed(1)} MB [target <= 100 MB] ${agentRssMb <= 100 ? 'OK' : 'OVER'}`);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(1000);
    execFileSync('bash', [script, 'stop', dir], { stdio: 'inherit' });
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
