// Paired runs against the code before the one-writer change (issue 14), or VIGIL_BENCH_BASE:
// the same end-to-end run (agent + collector, a 1M-line auth.log) and the same collector
// ingest run (one WebSocket session, pre-encoded batches) on the baseline tree and on this
// one, alternating which goes first, RUNS pairs each; prints medians and the ratio
// this/base of each, and of the per-pair ratios (the machine is shared and noisy).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAuthLog } from './lib/authlog.mjs';
import { e2eRun } from './lib/e2e-run.mjs';
import { wsIngestRun } from './lib/ws-ingest.mjs';
import { batchFrames } from './lib/frames.mjs';
import { baselineTree } from './lib/baseline-tree.mjs';
import { median, fmt, VIGIL } from './lib/procs.mjs';

/** The last commit before issue 14's one-writer change. */
const BASE = process.env.VIGIL_BENCH_BASE || '2d539fe7f69fbc3aebdd494e5bef8a8f610389f9';
const LINES = Number(process.env.VIGIL_BENCH_LINES || 1_000_000);
const RUNS = Number(process.env.VIGIL_BENCH_RUNS || 3);
/** VIGIL_BENCH_PAIRED=e2e or =ingest runs one of the two. */
const ONLY = process.env.VIGIL_BENCH_PAIRED;

const base = baselineTree(BASE);
if (!base.bin) {
  console.log(`  skipped: ${base.why}`);
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-paired-'));
try {
  const file = join(work, 'auth.log');
  await writeAuthLog(file, LINES);
  const frames = batchFrames(file);
  const trees = [['base', base.bin], ['this', VIGIL]];
  const cases = [
    ['End to end (agent start -> all committed)', (bin) => e2eRun(work, file, LINES, bin), 'e2e'],
    ['Collector ingest (one session, 1000-line batches, window 8)', (bin) => wsIngestRun(work, frames, bin), 'ingest'],
  ];
  console.log(`baseline ${base.sha.slice(0, 12)} (${BASE === base.sha ? 'before issue 14' : BASE}); ${fmt(LINES)} lines; ${RUNS} pairs, order alternating`);
  for (const [title, run, name] of cases) {
    if (ONLY && ONLY !== name) continue;
    console.log(`\n== ${title} ==`);
    const got = { base: [], this: [] };
    const ratios = [];
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? trees : [...trees].reverse();
      const pair = {};
      for (const [name, bin] of order) pair[name] = await run(bin);
      got.base.push(pair.base.linesPerSec);
      got.this.push(pair.this.linesPerSec);
      ratios.push(pair.this.linesPerSec / pair.base.linesPerSec);
      console.log(`  pair ${i + 1}: base ${fmt(pair.base.linesPerSec)} lines/s, this ${fmt(pair.this.linesPerSec)} lines/s (ratio ${ratios[i].toFixed(3)}; collector cpu ${pair.base.cpu.collector.toFixed(2)} s vs ${pair.this.cpu.collector.toFixed(2)} s)`);
    }
    const b = median(got.base);
    const t = median(got.this);
    console.log(`  median: base ${fmt(b)} lines/s, this ${fmt(t)} lines/s; ratio of medians ${(t / b).toFixed(3)}, median of pair ratios ${median(ratios).toFixed(3)} (target: no loss beyond noise)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
