/**
 * The store's one write queue over a real database file and a real writer thread: a command
 * sent after an agent batch (also a large one sent ahead in parts, also one still waiting to
 * be decoded) commits after it; the worker module runs from src (tsx) and from dist (plain
 * .js); the main connection refuses a stray write once writes are switched off on it; a
 * thread that dies fails what it held and the next thread serves; no eval'd worker remains.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCommitPipeline, type CommitPipeline, type CommitResult } from '../src/ingest/pipeline.js';
import { DecoderCache } from '../src/ingest/decoder-cache.js';
import { BodyHandlers } from '../src/ingest/handlers.js';
import { openDatabase, refuseWrites } from '../src/store/db.js';
import { migrateCore } from '../src/store/schema.js';
import { WorkerWriteQueue } from '../src/store/writer/thread.js';
import { line, tempDir, testCore } from './core-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => line(i + from, `Nov 27 10:00:00 h sshd[1]: Failed password for u${i + from} from 10.0.0.${(i + from) % 250} port 22 ssh2`));

async function setup() {
  const t = tempDir();
  const restarts: string[] = [];
  const c = testCore(t.dir, {}, Date.now, { onRestart: (r) => restarts.push(r) });
  const writer = c.ctx.writer as WorkerWriteQueue;
  const pipeline = createCommitPipeline({ writer, reader: c.ctx.db, agents: c.core.agents, decoders: new DecoderCache(), bodies: new BodyHandlers() });
  cleanups.push(t.cleanup, c.close, () => pipeline.close());
  await c.core.agents.hello({ agentName: 'web1', instanceId: 'i1' }, Date.now());
  const count = () => c.ctx.db.prepare("SELECT count(*) FROM events WHERE kind = 'log'").pluck().get() as number;
  return { ...c, writer, pipeline, restarts, count };
}

const submit = (p: CommitPipeline, firstSeq: number, n: number) => new Promise<CommitResult>((resolve, reject) =>
  p.submit('web1', 'i1', { firstSeq, events: lines(n, firstSeq - 1) }, Date.now(), 0, (err, r) => (err ? reject(err) : resolve(r!))));

/** A migrated database file with its main connection (closed after the test). */
function migratedFile() {
  const t = tempDir();
  const file = join(t.dir, 'vigil.db');
  const db = openDatabase(file);
  migrateCore(db);
  cleanups.push(t.cleanup, () => db.close());
  return { file, db };
}

const disconnect = (s: Awaited<ReturnType<typeof setup>>) => s.writer.run('agents.disconnect', { name: 'web1', now: Date.now() });

describe('one ordered write queue', () => {
  it('a command sent after a batch commits after it, also a large batch sent ahead in parts', async () => {
    const s = await setup();
    const big = submit(s.pipeline, 1, 3000); // 12 chunks of 256 rows: 11 sent ahead before its command
    let seen = -1;
    const after = disconnect(s).then(() => { seen = s.count(); });
    await Promise.all([big, after]);
    expect(seen).toBe(3000);
    expect(s.ctx.db.prepare("SELECT connected FROM agents WHERE name = 'web1'").pluck().get()).toBe(0);
  });

  it('a command sent after batches still waiting to be decoded commits after all of them', async () => {
    const s = await setup();
    const batches = [1, 1001, 2001, 3001, 4001].map((first) => submit(s.pipeline, first, 1000));
    expect(s.pipeline.backlog).toBe(3); // two with the writer, three waiting undecoded
    let seen = -1;
    const after = disconnect(s).then(() => { seen = s.count(); });
    const later = submit(s.pipeline, 5001, 10); // behind the command
    await Promise.all([...batches, after, later]);
    expect(seen).toBeGreaterThanOrEqual(5000);
    expect(seen).toBeLessThanOrEqual(5010);
    expect(s.count()).toBe(5010);
  });

  it('a thread that dies fails the command it held; the next thread runs the next one', async () => {
    const s = await setup();
    const held = submit(s.pipeline, 1, 3000).then(() => null, (e: Error) => e.message);
    await (s.writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(await held).toMatch(/event writer stopped/);
    expect(s.restarts).toEqual(['event writer stopped']);
    await expect(disconnect(s)).resolves.toBeNull();
    // The agent resends from its last ack (none): each line stored once, committed or not before.
    expect((await submit(s.pipeline, 1, 3000)).ack).toBe(3000);
    expect(s.ctx.db.prepare("SELECT seq FROM events WHERE kind = 'log' ORDER BY seq").pluck().all()).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });
});

describe('the writer thread module', () => {
  it('runs from dist as plain JavaScript', async () => {
    const dist = join(__dirname, '..', 'dist', 'store', 'writer', 'thread.js');
    expect(existsSync(dist)).toBe(true); // tsc -b builds it
    const { file, db } = migratedFile();
    const { WorkerWriteQueue: FromDist } = await import(pathToFileURL(dist).href) as { WorkerWriteQueue: typeof WorkerWriteQueue };
    const w = new FromDist(file);
    cleanups.push(() => w.close());
    const r = await w.run('agents.hello', { name: 'd1', version: null, host: null, instance: 'x', boot: null, now: 5, skew: null });
    expect(r).toEqual({ lastSeq: 0, newInstance: true, previousInstance: null });
    expect(db.prepare("SELECT first_seen FROM agents WHERE name = 'd1'").pluck().get()).toBe(5);
  });

  it('no store module starts an eval\'d worker', () => {
    const root = join(__dirname, '..', 'src');
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []));
    const evald = walk(root).filter((f) => /eval:\s*true/.test(readFileSync(f, 'utf8')));
    expect(evald).toEqual([]);
  });
});

describe('the main connection', () => {
  it('refuses a stray write once writes are switched off on it, while the writer thread writes', async () => {
    const { file, db } = migratedFile();
    refuseWrites(db);
    expect(() => db.prepare("UPDATE agents SET connected = 0").run()).toThrow(/readonly|read-only|query_only/i);
    const w = new WorkerWriteQueue(file);
    cleanups.push(() => w.close());
    await w.run('agents.hello', { name: 'a1', version: null, host: null, instance: 'x', boot: null, now: 1, skew: null });
    expect(db.prepare('SELECT count(*) FROM agents').pluck().get()).toBe(1); // reads still work
  });
});
