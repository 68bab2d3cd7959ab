// End-to-end throughput: a pre-written 1M-line auth.log, from agent start until every line
// is committed and acked by the collector (agent and collector on the same machine), against
// rsyslog's imfile -> omfwd TCP forwarding of the same file in the same run. Also the idle
// agent's RSS and CPU with three tailed files. Prints figures; asserts nothing.
import { mkdirSync, writeFileSync, rmSync, mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { rsyslogForward } from './baselines/rsyslog.mjs';
import { writeAuthLog } from './lib/authlog.mjs';
import { start, stop, vigilSync, freePort, waitFor, cpuSeconds, rssBytes, sleep, median, fmt } from './lib/procs.mjs';

const LINES = Number(process.env.VIGIL_BENCH_LINES || 1_000_000);
const RUNS = Number(process.env.VIGIL_BENCH_RUNS || 3);

async function vigilRun(work, file) {
  const data = join(work, `data-${Math.random().toString(36).slice(2)}`);
  const port = await freePort();
  const api = vigilSync(['token', 'create', '--data', data, '--api', 'bench', '--role', 'viewer']);
  const agentTok = vigilSync(['token', 'create', '--data', data, '--agent', 'bench']);
  const collector = start(['collector', '--listen', `127.0.0.1:${port}`, '--data', data]);
  const url = `http://127.0.0.1:${port}`;
  const count = async () => {
    const r = await fetch(`${url}/api/events/count`, { headers: { authorization: `Bearer ${api}` } }).catch(() => null);
    return r?.ok ? (await r.json()).count : -1;
  };
  await waitFor(async () => (await count()) >= 0, 20_000, 'collector');
  const cfg = join(data, 'agent.yaml');
  writeFileSync(cfg, `files:\n  - path: ${file}\n    type: auth\n`);
  const t0 = process.hrtime.bigint();
  const agent = start(['agent', '--collector', `ws://127.0.0.1:${port}`, '--token', agentTok, '--state', join(data, 'state'), '--name', 'bench', '--config', cfg]);
  await waitFor(async () => (await count()) >= LINES, 600_000, 'all lines stored', 20);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = { agent: cpuSeconds(agent.pid), collector: cpuSeconds(collector.pid) };
  await stop(agent);
  await stop(collector);
  rmSync(data, { recursive: true, force: true });
  return { seconds, linesPerSec: LINES / seconds, cpu };
}

async function idleAgent(work) {
  const data = join(work, 'idle');
  mkdirSync(data, { recursive: true });
  const port = await freePort();
  const agentTok = vigilSync(['token', 'create', '--data', data, '--agent', 'idle']);
  const collector = start(['collector', '--listen', `127.0.0.1:${port}`, '--data', data]);
  await sleep(1500);
  const files = ['auth.log', 'backup.log', 'deployment_history.log'].map((f) => join(work, 'idle-' + f));
  for (const f of files) writeFileSync(f, 'Nov 27 10:00:00 h sshd[1]: Accepted publickey for a from 127.0.0.1 port 1 ssh2\n');
  const cfg = join(data, 'agent.yaml');
  writeFileSync(cfg, `files:\n${files.map((f) => `  - path: ${f}\n    type: auth\n`).join('')}`);
  const agent = start(['agent', '--collector', `ws://127.0.0.1:${port}`, '--token', agentTok, '--state', join(data, 'state'), '--name', 'idle', '--config', cfg]);
  await sleep(5000); // settle: startup, first read, connect
  const c0 = cpuSeconds(agent.pid);
  const window = Number(process.env.VIGIL_BENCH_IDLE_S || 30);
  const rss = [];
  for (let i = 0; i < window; i++) { await sleep(1000); rss.push(rssBytes(agent.pid)); }
  const cpuPct = ((cpuSeconds(agent.pid) - c0) / window) * 100;
  await stop(agent);
  await stop(collector);
  return { cpuPct, rssMB: Math.max(...rss) / 2 ** 20, window };
}

export async function benchE2E() {
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  try {
    const file = join(work, 'auth.log');
    await writeAuthLog(file, LINES);
    console.log(`\n== End to end: ${fmt(LINES)}-line auth.log, agent start -> all committed and acked (${RUNS} runs each) ==`);
    const rs = [];
    const vg = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await rsyslogForward(file, LINES, mkdtempSync(join(work, 'rs-')));
      if (r) rs.push(r.linesPerSec);
      const v = await vigilRun(work, file);
      vg.push(v.linesPerSec);
      console.log(`  run ${i + 1}: vigil ${fmt(v.linesPerSec)} lines/s (${v.seconds.toFixed(2)} s; cpu agent ${v.cpu.agent.toFixed(1)} s, collector ${v.cpu.collector.toFixed(1)} s)` + (r ? `; rsyslog ${fmt(r.linesPerSec)} lines/s` : ''));
    }
    const v = median(vg);
    console.log(`  median: vigil ${fmt(v)} lines/s` + (rs.length ? `; rsyslog ${fmt(median(rs))} lines/s; ratio ${(v / median(rs)).toFixed(2)} (target >= 0.35)` : ''));
    const idle = await idleAgent(work);
    console.log(`\n== Idle agent, three tailed files, ${idle.window} s ==\n  cpu ${idle.cpuPct.toFixed(2)}% of a core (target <= 1%); max RSS ${idle.rssMB.toFixed(1)} MB (target <= 80 MB)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchE2E();
