// Agent outbox hot path: lines/s of Outbox.emit (encode once + one SQLite row and the
// checkpoint in one WAL transaction) against two baselines measured in the same run:
// encodeEventsFragment alone, and encode + a bare INSERT of the blob. Also the transport's
// read path (outbox.read + encodeBatchFrame). Median of 3 runs of 200k lines each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from '../packages/agent/node_modules/better-sqlite3/lib/index.js';
import { encodeEventsFragment, encodeBatchFrame } from '../packages/proto/dist/index.js';
import { Outbox } from '../packages/agent/dist/outbox/outbox.js';

const LINES = 200_000, PER_EMIT = 2000, RUNS = 3;
const text = (i) => `Nov 27 08:00:01 web-1 sshd[30412]: Failed password for invalid user admin${i} from 203.0.113.7 port ${40000 + (i % 20000)} ssh2`;
const batches = [];
for (let b = 0; b < LINES / PER_EMIT; b++) {
  batches.push(Array.from({ length: PER_EMIT }, (_, j) => {
    const i = b * PER_EMIT + j;
    return { timeMs: 1732694400000 + i, line: { type: 'auth', path: '/var/log/auth.log', offset: i * 120, text: text(i) } };
  }));
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn) { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e9; }
function bench(name, setup) {
  const rates = [];
  for (let r = 0; r < RUNS; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
    const { run, close } = setup(dir);
    rates.push(LINES / time(run));
    close?.();
    rmSync(dir, { recursive: true, force: true });
  }
  return median(rates);
}

const encodeOnly = bench('encode', () => ({ run: () => { for (const b of batches) encodeEventsFragment(b); } }));
const rawInsert = bench('raw', (dir) => {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE rows (first_seq INTEGER PRIMARY KEY, blob BLOB)');
  const ins = db.prepare('INSERT INTO rows VALUES (?, ?)');
  let seq = 1;
  return { run: () => { for (const b of batches) { ins.run(seq, encodeEventsFragment(b)); seq += b.length; } }, close: () => db.close() };
});
const outboxEmit = bench('outbox', (dir) => {
  const o = new Outbox(dir, { maxBytes: 1 << 30 });
  let n = 0;
  return { run: () => { for (const b of batches) { n += b.length; o.emit(b, { 'file:auth': JSON.stringify({ offset: n * 120 }) }); } }, close: () => o.close() };
});
const readFrames = bench('read', (dir) => {
  const o = new Outbox(dir, { maxBytes: 1 << 30 });
  for (const b of batches) o.emit(b);
  return { run: () => { let seq = 1; for (let r = o.read(seq, 1 << 20); r; r = o.read(seq, 1 << 20)) { encodeBatchFrame(r.firstSeq, Date.now(), r.fragments); seq = r.firstSeq + r.count; } }, close: () => o.close() };
});
const f = (x) => Math.round(x).toLocaleString('en-US');
console.log(`agent outbox, ${LINES} lines, ${PER_EMIT} per emit, median of ${RUNS}`);
console.log(`  baseline encodeEventsFragment only : ${f(encodeOnly)} lines/s`);
console.log(`  baseline encode + bare INSERT       : ${f(rawInsert)} lines/s`);
console.log(`  Outbox.emit (+checkpoint, counters) : ${f(outboxEmit)} lines/s  (${(outboxEmit / rawInsert).toFixed(2)}x bare insert)`);
console.log(`  read + encodeBatchFrame (1 MiB)     : ${f(readFrames)} lines/s`);
