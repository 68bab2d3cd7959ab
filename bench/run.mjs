// `npm run bench`: runs every benchmark in turn, each in its own process so one cannot
// warm or pollute another, and prints their figures. Each script measures against its
// baseline in the same run (rsyslog, fail2ban-regex, bare SQLite, bare read/split, ...).
// VIGIL_BENCH_ONLY=e2e,replay selects some; VIGIL_BENCH_LINES and _RUNS scale them down.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const SUITE = [
  ['e2e', 'End to end vs rsyslog, idle agent'],
  ['replay', 'Replay (decode + rules) vs fail2ban-regex'],
  ['alert-latency', 'Alert latency under 10k lines/s'],
  ['telemetry', 'Agent and dockerd cost with 20 containers'],
  ['decode', 'Decoders alone'],
  ['ingest', 'Collector batch commit vs bare SQLite'],
  ['paired', 'End to end and ingest, paired against the code before issue 14'],
  ['queries', 'Lookups and counts on 10M events, ingest at 1M vs 10M'],
  ['file-source', 'File source alone vs bare read/split'],
  ['agent-outbox', 'Agent outbox vs bare SQLite'],
  ['compliance', 'Compliance evaluation over 30 days'],
];
const only = process.env.VIGIL_BENCH_ONLY?.split(',');
let failed = 0;
for (const [name, title] of SUITE) {
  if (only && !only.includes(name)) continue;
  const file = join(here, `${name}.mjs`);
  if (!existsSync(file)) continue;
  console.log(`\n######## ${title} (bench/${name}.mjs)`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) { failed++; console.log(`  (bench/${name}.mjs exited ${r.status ?? r.signal})`); }
}
process.exit(failed ? 1 : 0);
