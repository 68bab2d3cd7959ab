// One end-to-end run for the benchmarks: a collector and an agent of the tree `bin` (./vigil),
// a pre-written log file read from the start, timed from agent start until every line is
// committed (GET /api/events/count). Shared by bench/e2e.mjs and bench/paired.mjs.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, stop, vigilSync, freePort, waitFor, cpuSeconds, VIGIL } from './procs.mjs';

export async function e2eRun(work, file, lines, bin = VIGIL) {
  const data = join(work, `data-${Math.random().toString(36).slice(2)}`);
  const port = await freePort();
  const api = vigilSync(['token', 'create', '--data', data, '--api', 'bench', '--role', 'viewer'], bin);
  const agentTok = vigilSync(['token', 'create', '--data', data, '--agent', 'bench'], bin);
  const collector = start(['collector', '--listen', `127.0.0.1:${port}`, '--data', data], {}, bin);
  const url = `http://127.0.0.1:${port}`;
  const count = async () => {
    const r = await fetch(`${url}/api/events/count`, { headers: { authorization: `Bearer ${api}` } }).catch(() => null);
    return r?.ok ? (await r.json()).count : -1;
  };
  try {
    await waitFor(async () => (await count()) >= 0, 20_000, 'collector');
    const cfg = join(data, 'agent.yaml');
    writeFileSync(cfg, `files:\n  - path: ${file}\n    type: auth\n`);
    const t0 = process.hrtime.bigint();
    const agent = start(['agent', '--collector', `ws://127.0.0.1:${port}`, '--token', agentTok, '--state', join(data, 'state'), '--name', 'bench', '--config', cfg], {}, bin);
    try {
      await waitFor(async () => (await count()) >= lines, 600_000, 'all lines stored', 20);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = { agent: cpuSeconds(agent.pid), collector: cpuSeconds(collector.pid) };
      return { seconds, linesPerSec: lines / seconds, cpu };
    } finally {
      await stop(agent);
    }
  } finally {
    await stop(collector);
    rmSync(data, { recursive: true, force: true });
  }
}
