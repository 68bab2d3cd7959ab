// End-to-end throughput: a pre-written 1M-line auth.log, from agent start until every line
// is committed and acked by the collector (agent and collector on the same machine), against
// rsyslog's imfile -> omfwd TCP forwarding of the same file in the same run. Also the idle
// agent's RSS and CPU with three tailed files. Prints figures; asserts nothing.
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rsyslogForward } from './baselines/rsyslog.mjs';
import { writeAuthLog } from './lib/authlog.mjs';
import { start, stop, vigilSync, freePort, cpuSeconds, rssBytes, sleep, median, fmt } from './lib/procs.mjs';
import { e2eRun } from './lib/e2e-run.mjs';

const LINES = Number(process.env.VIGIL_BENCH_LINES || 1_000_000);
const RUNS = Number(process.env.VIGIL_BENCH_RUNS || 3);

const vigilRun = (work, file) => e2eRun(work, file, LINES);

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
