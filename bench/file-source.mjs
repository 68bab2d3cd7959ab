// The agent's file source alone: a pre-written 1M-line auth.log read from byte 0 into an
// in-memory context (events counted, checkpoints kept), lines/s as the median of 3 runs,
// against a bare baseline in the same run: 1 MiB reads, indexOf(10) and one utf8 decode per
// line, no events, no checkpoints. Needs `tsc -b` first. Prints figures; asserts nothing.
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileSource } from '../packages/agent/dist/sources/file/index.js';
import { writeAuthLog } from './lib/authlog.mjs';
import { median, fmt } from './lib/procs.mjs';

const LINES = Number(process.env.VIGIL_BENCH_LINES || 1_000_000);
const RUNS = Number(process.env.VIGIL_BENCH_RUNS || 3);
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };

async function sourceRun(file) {
  let lines = 0;
  let emits = 0;
  let done;
  const finished = new Promise((r) => { done = r; });
  const saved = new Map();
  const ctx = {
    emit(events, cps) {
      emits++;
      lines += events.length;
      for (const [k, v] of Object.entries(cps ?? {})) v === null ? saved.delete(k) : saved.set(k, v);
      if (lines >= LINES) done();
    },
    checkpoint: (k) => saved.get(k),
    checkpoints: (p) => [...saved].filter(([k]) => k.startsWith(p)),
    room: () => Promise.resolve(),
    log: quiet,
    signal: new AbortController().signal,
  };
  const src = createFileSource([{ path: file, type: 'auth' }]);
  const t0 = process.hrtime.bigint();
  await src.start(ctx);
  await finished;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await src.stop();
  return { secs, emits };
}

function baselineRun(file) {
  const t0 = process.hrtime.bigint();
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe((1 << 20) + 65537);
  let carry = 0, pos = 0, lines = 0, chars = 0;
  for (;;) {
    const n = readSync(fd, buf, carry, 1 << 20, pos);
    if (n === 0) break;
    pos += n;
    const end = carry + n;
    const view = buf.subarray(0, end);
    let start = 0, nl;
    while ((nl = view.indexOf(10, start)) !== -1) { chars += view.toString('utf8', start, nl).length; lines++; start = nl + 1; }
    buf.copy(buf, 0, start, end);
    carry = end - start;
  }
  closeSync(fd);
  if (lines !== LINES || chars === 0) throw new Error(`baseline read ${lines} lines`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-file-'));
try {
  const file = join(dir, 'auth.log');
  await writeAuthLog(file, LINES);
  const mb = statSync(file).size / 1e6;
  const src = [], base = [];
  let emits = 0;
  for (let i = 0; i < RUNS; i++) {
    base.push(baselineRun(file));
    const r = await sourceRun(file);
    src.push(r.secs);
    emits = r.emits;
  }
  const s = median(src), b = median(base);
  console.log(`file source: ${fmt(LINES)} lines (${mb.toFixed(0)} MB), median of ${RUNS} runs`);
  console.log(`  source alone: ${fmt(LINES / s)} lines/s (${(mb / s).toFixed(0)} MB/s, ${emits} emit calls)  runs: ${src.map((x) => x.toFixed(2)).join(' ')} s`);
  console.log(`  baseline (read+split+decode only): ${fmt(LINES / b)} lines/s  runs: ${base.map((x) => x.toFixed(2)).join(' ')} s`);
  console.log(`  ratio source/baseline throughput: ${(b / s).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
