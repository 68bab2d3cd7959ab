// Collector ingest: the whole batch path for log lines — decode the wire frame, decode each
// line with its stream decoder, add the ingest fields, insert in ONE transaction per batch
// with dedupe and the high-water mark — in lines/s (median of 3 runs), one batch at a time
// through the in-thread write queue (in-memory databases, the CLI) and through the
// writer-thread pipeline the collector runs (no rules here), against a baseline
// measured in the same run: bare better-sqlite3 inserting the same finished rows into the
// same table and indexes, one transaction per batch. Target: >= 100k lines/s on one core.
// Needs `tsc -b` first (uses dist/). VIGIL_BENCH_LINES scales it (default 200000).
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAgentFrame } from '../packages/proto/dist/index.js';
import { openDatabase } from '../packages/collector/dist/store/db.js';
import { migrateCore } from '../packages/collector/dist/store/schema.js';
import { createAgentRegistry } from '../packages/collector/dist/store/agents.js';
import { createBatchCommitter } from '../packages/collector/dist/ingest/commit.js';
import { createCommitPipeline } from '../packages/collector/dist/ingest/pipeline.js';
import { LocalWriteQueue } from '../packages/collector/dist/store/writer/queue.js';
import { WorkerWriteQueue } from '../packages/collector/dist/store/writer/thread.js';
import { BodyHandlers } from '../packages/collector/dist/ingest/handlers.js';
import { DecoderCache } from '../packages/collector/dist/ingest/decoder-cache.js';
import { writeAuthLog } from './lib/authlog.mjs';
import { batchFrames, BATCH } from './lib/frames.mjs';

const LINES = Number(process.env.VIGIL_BENCH_LINES ?? 200_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));

try {
  await writeAuthLog(join(dir, 'auth.log'), LINES);
  const text = readFileSync(join(dir, 'auth.log'), 'utf8').split('\n').filter(Boolean);
  const now = Date.now();
  const frames = batchFrames(join(dir, 'auth.log')).map((f) => f.bytes);

  const fresh = (name) => {
    const db = openDatabase(join(dir, `${name}.db`));
    migrateCore(db);
    return db;
  };

  let finishedRows = null;
  const vigilRun = async (r) => {
    const db = fresh(`vigil-${r}`);
    const writer = new LocalWriteQueue(db);
    const agents = createAgentRegistry(writer, db);
    await agents.hello({ agentName: 'web-1', instanceId: 'bench' }, now);
    const committer = createBatchCommitter({ writer, reader: db, agents, decoders: new DecoderCache(), bodies: new BodyHandlers() });
    const t0 = process.hrtime.bigint();
    const stored = [];
    for (const f of frames) {
      const res = await committer.commit('web-1', 'bench', decodeAgentFrame(f).batch, Date.now());
      if (!finishedRows) stored.push(res.stored);
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!finishedRows) finishedRows = stored;
    await committer.close();
    await writer.close();
    db.close();
    return text.length / s;
  };

  // The collector's own path: the writer thread commits while this thread decodes the next batch.
  const pipelineRun = async (r) => {
    const db = fresh(`pipe-${r}`);
    const writer = new WorkerWriteQueue(db.name);
    const agents = createAgentRegistry(writer, db);
    await agents.hello({ agentName: 'web-1', instanceId: 'bench' }, now);
    const pipeline = createCommitPipeline({ writer, reader: db, agents, decoders: new DecoderCache(), bodies: new BodyHandlers() });
    const t0 = process.hrtime.bigint();
    await Promise.all(frames.map((f) => new Promise((resolve, reject) =>
      pipeline.submit('web-1', 'bench', decodeAgentFrame(f).batch, Date.now(), 0, (err) => (err ? reject(err) : resolve())))));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    await pipeline.close();
    await writer.close();
    db.close();
    return text.length / s;
  };

  const bareRun = (r) => {
    const db = fresh(`bare-${r}`);
    const insert = db.prepare(`INSERT INTO events (agent, seq, kind, ts, ingested, type, source_ip, user_name, outcome, action, message, fields)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const tx = db.transaction((batch) => {
      for (const e of batch) {
        const f = e.fields;
        insert.run(e.agent, e.seq, e.kind, now, now, 'auth', f['source.ip'] ?? null, f['user.name'] ?? null,
          f['event.outcome'] ?? null, f['event.action'] ?? null, f.message ?? null, JSON.stringify(f));
      }
    });
    const t0 = process.hrtime.bigint();
    for (const batch of finishedRows) tx(batch);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    db.close();
    return text.length / s;
  };

  const vigil = [];
  const piped = [];
  const bare = [];
  for (let r = 0; r < 3; r++) { vigil.push(await vigilRun(r)); piped.push(await pipelineRun(r)); bare.push(bareRun(r)); }
  const v = median(vigil);
  const p = median(piped);
  const b = median(bare);
  const fmt = (x) => `${Math.round(x).toLocaleString('en-US')} lines/s`;
  console.log(`lines: ${text.length}, batch: ${BATCH} lines, runs: 3 (median)`);
  console.log(`vigil batch commit (frame decode + line decode + insert + dedupe): ${fmt(v)}  (in-thread write queue, one batch at a time)`);
  console.log(`vigil pipelined (writer thread commits while decoding goes on):  ${fmt(p)}`);
  console.log(`baseline bare better-sqlite3 insert of the same rows:             ${fmt(b)}`);
  console.log(`ratio in-thread/baseline: ${(v / b).toFixed(2)}, pipelined/baseline: ${(p / b).toFixed(2)}   target >= 100,000 lines/s: ${Math.max(v, p) >= 100_000 ? 'met' : 'NOT met'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
