/**
 * The durable outbox with real SQLite files: contiguous sequences across emits and
 * restarts, checkpoints atomic with their events, acks (whole and partial rows), the
 * max_bytes bound with counted drops and a DataLoss event, backpressure via room(), and
 * a child process SIGKILLed mid-write leaving a consistent queue, and (as root, on a real
 * tmpfs) a full disk: refused emits, deferred deletes, a restart, and resuming on its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { decodeAgentFrame, encodeBatchFrame } from '@vigil/proto';
import type { Event } from '@vigil/proto';
import { Outbox } from '../src/outbox/outbox.js';
import type { OutboxRun } from '../src/outbox/outbox.js';
import { classifyWriteError, DiskFullError, freeBytes, Stall } from '../src/outbox/stall.js';
import { IS_ROOT } from './docker-engine.js';
import { mountTmpfs, type SmallDisk } from './tmpfs.js';

const dirs: string[] = [];
const opened: Outbox[] = [];
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-outbox-'));
  dirs.push(d);
  return d;
}
function open(dir: string, maxBytes = 1024 ** 3, softBytes?: number): Outbox {
  const o = new Outbox(dir, { maxBytes, softBytes });
  opened.push(o);
  return o;
}
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lines(from: number, n: number, pad = 0): Event[] {
  return Array.from({ length: n }, (_, i) => ({
    timeMs: 1700000000000 + from + i,
    line: { type: 'auth', path: '/var/log/auth.log', offset: (from + i) * 100, text: `line ${from + i} ${'x'.repeat(pad)}` },
  }));
}
function decodeRun(run: OutboxRun): { firstSeq: number; events: Event[] } {
  const batch = decodeAgentFrame(encodeBatchFrame(run.firstSeq, 1, run.fragments)).batch!;
  return { firstSeq: Number(batch.firstSeq), events: batch.events };
}

describe('outbox', () => {
  it('numbers events contiguously across emits and restarts, keeping the instance id', () => {
    const dir = stateDir();
    const a = open(dir);
    a.emit(lines(0, 3));
    a.emit(lines(3, 2));
    expect(a.nextSeq).toBe(6);
    const id = a.instanceId;
    a.close();
    const b = open(dir);
    expect(b.instanceId).toBe(id);
    b.emit(lines(5, 1));
    const run = b.read(1, 1 << 20)!;
    const { firstSeq, events } = decodeRun(run);
    expect(firstSeq).toBe(1);
    expect(events.map((e) => e.line!.text.trim())).toEqual([0, 1, 2, 3, 4, 5].map((i) => `line ${i}`));
    expect(b.stats()).toMatchObject({ outboxEvents: 6, linesRead: 1 });
    expect(open(stateDir()).instanceId).not.toBe(id);
  });

  it('stores checkpoints in the same transaction as the events', () => {
    const dir = stateDir();
    const a = open(dir);
    a.emit(lines(0, 2), { 'file:a': '{"offset":200}', 'file:b': 'x' });
    a.emit([], { 'file:b': null });
    // a checkpoint that fails inside the transaction (after the row insert) rolls back the events too
    expect(() => a.emit(lines(2, 3), { 'file:a': 'BAD', 'file:c': {} as unknown as string })).toThrow();
    expect(a.nextSeq).toBe(3);
    expect(a.checkpoint('file:a')).toBe('{"offset":200}');
    a.close();
    const b = open(dir);
    expect(b.checkpoint('file:a')).toBe('{"offset":200}');
    expect(b.checkpoint('file:b')).toBeUndefined();
    expect(b.checkpoints('file:')).toEqual([['file:a', '{"offset":200}']]);
    expect(b.nextSeq).toBe(3);
  });

  it('deletes acked rows, resends a partly acked row from its first unacked event', () => {
    const dir = stateDir();
    const a = open(dir);
    a.emit(lines(0, 4));   // seqs 1-4
    a.emit(lines(4, 4));   // seqs 5-8
    a.ack(6);
    expect(a.stats()).toMatchObject({ ackedSeq: 6, outboxEvents: 4 });
    const run = decodeRun(a.read(7, 1 << 20)!);
    expect(run.firstSeq).toBe(7);
    expect(run.events.map((e) => e.line!.text.trim())).toEqual(['line 6', 'line 7']);
    a.ack(8);
    expect(a.read(9, 1 << 20)).toBeUndefined();
    expect(a.stats()).toMatchObject({ outboxBytes: 0, outboxEvents: 0 });
    // a Welcome beyond what we have moves the sequence on (never reuse numbers)
    a.resume(20);
    a.emit(lines(8, 1));
    expect(decodeRun(a.read(1, 1 << 20)!).firstSeq).toBe(21);
  });

  it('cuts runs at whole events within the byte budget', () => {
    const a = open(stateDir());
    a.emit(lines(0, 100, 100));
    const r1 = a.read(1, 2000)!;
    expect(r1.bytes).toBeLessThanOrEqual(2000);
    expect(r1.count).toBeGreaterThan(5);
    const r2 = decodeRun(a.read(1 + r1.count, 2000)!);
    expect(r2.firstSeq).toBe(1 + r1.count);
    expect(r2.events[0].line!.text).toContain(`line ${r1.count} `);
  });

  it('bounds its size: drops the oldest rows, counts them, and records a DataLoss event', () => {
    const dir = stateDir();
    const max = 64 * 1024;
    const a = open(dir, max);
    for (let i = 0; i < 40; i++) a.emit(lines(i * 10, 10, 300));   // ~3.2 KB a row, ~128 KB in all
    expect(a.bytes).toBeLessThanOrEqual(max + 4096);
    const s = a.stats();
    expect(s.eventsDropped).toBeGreaterThan(150);
    a.close();   // flushes the pending loss record
    const b = open(dir, max);
    const all: Event[] = [];
    let seq = 1;
    let firstSeq = 0;
    for (let run = b.read(seq, 1 << 20); run; run = b.read(seq, 1 << 20)) {
      const d = decodeRun(run);
      if (!firstSeq) firstSeq = d.firstSeq;
      all.push(...d.events);
      seq = d.firstSeq + d.events.length;
    }
    const losses = all.filter((e) => e.loss).map((e) => e.loss!);
    const droppedInLoss = losses.reduce((n, l) => n + Number(l.droppedEvents), 0);
    const kept = all.filter((e) => e.line).length;
    expect(droppedInLoss).toBe(s.eventsDropped);
    expect(Math.min(...losses.map((l) => Number(l.firstSeq)))).toBe(1);
    expect(kept + droppedInLoss).toBe(400);          // every line is either queued or counted
    expect(firstSeq).toBeGreaterThan(1);
    expect(Number(losses[0].droppedBytes)).toBeGreaterThan(0);
  });

  it('never drops rows in flight: they may already be stored, so counting them would over-report', () => {
    const dir = stateDir();
    const max = 64 * 1024;
    const a = open(dir, max);
    for (let i = 0; i < 10; i++) a.emit(lines(i * 10, 10, 300));   // seqs 1-100, ~32 KB
    a.sentUpTo = 50;                                                // the transport has sent 1-50
    for (let i = 10; i < 40; i++) a.emit(lines(i * 10, 10, 300));
    const run = a.read(1, 1 << 20)!;
    expect(run.firstSeq).toBe(1);                                   // the in-flight rows are all there
    expect(decodeRun(run).events.slice(0, 50).map((e) => e.line?.text)).toEqual(lines(0, 50, 300).map((e) => e.line!.text));
    expect(a.stats().eventsDropped).toBeGreaterThan(0);             // newer, unsent rows went instead
    a.ack(50);
    a.sentUpTo = 0;
    a.close();
  });

  it('room() waits while over the soft limit and resolves after an ack', async () => {
    const a = open(stateDir(), 1024 ** 3, 4096);
    a.emit(lines(0, 50, 100));
    let resolved = false;
    const p = a.room().then(() => { resolved = true; });
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    a.ack(50);
    await p;
    expect(resolved).toBe(true);
  });

  it('refuses a second agent on the same state dir', () => {
    const dir = stateDir();
    open(dir);
    expect(() => new Outbox(dir, { maxBytes: 1 << 30 })).toThrow(/in use by another running agent/);
  });

  it('survives SIGKILL at any point: what is on disk is contiguous and matches its checkpoint', async () => {
    const dir = stateDir();
    const script = `
      import { Outbox } from ${JSON.stringify(new URL('../dist/outbox/outbox.js', import.meta.url).href)};
      const o = new Outbox(process.argv[1], { maxBytes: 1 << 30 });
      let n = 0;
      for (;;) {
        const evs = [];
        for (let i = 0; i < 50; i++, n++) evs.push({ timeMs: n, line: { type: 'auth', path: '/f', offset: n, text: 'line ' + n } });
        o.emit(evs, { 'file:f': String(n) });
        if (n === 5000) process.stdout.write('going\\n');
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 200));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const o = open(dir);
    const cp = Number(o.checkpoint('file:f'));
    expect(cp).toBeGreaterThanOrEqual(5000);
    expect(o.nextSeq).toBe(cp + 1);
    let seq = 1;
    let count = 0;
    for (let run = o.read(seq, 1 << 20); run; run = o.read(seq, 1 << 20)) {
      const d = decodeRun(run);
      expect(d.firstSeq).toBe(seq);
      d.events.forEach((e, i) => expect(e.line!.text).toBe(`line ${seq - 1 + i}`));
      count += d.events.length;
      seq += d.events.length;
    }
    expect(count).toBe(cp);
  });
});

describe.skipIf(!IS_ROOT)('outbox on a full disk (a real tmpfs)', () => {
  let disk: SmallDisk | undefined;
  afterAll(() => { for (const o of opened.splice(0)) o.close(); disk?.unmount(); });

  it('never throws from ack/resume/open, refuses emits, and resumes with a report once space frees', async () => {
    disk = mountTmpfs(join(mkdtempSync(join(tmpdir(), 'vigil-small-')), 'disk'), '64m');
    const dir = join(disk.dir, 'state');
    let a = new Outbox(dir, { maxBytes: 1 << 30, retryMinMs: 20, retryMaxMs: 200 });
    for (let i = 0; i < 10; i++) a.emit(lines(i * 10, 10, 100), { 'file:a': String(i) });
    disk.fill();
    let refused = 0;
    for (let i = 10; i < 30 && !a.diskFull; i++) {
      try { a.emit(lines(i * 10, 10, 100), { 'file:a': String(i) }); } catch (e) { expect(e).toBeInstanceOf(DiskFullError); refused++; }
    }
    expect(a.diskFull).toBe(true);
    expect(refused).toBe(1);
    expect(() => a.emit(lines(500, 1))).toThrow(DiskFullError);   // refused at once while stalled
    const stored = a.nextSeq - 1;
    a.ack(50);                                  // deleting needs space: deferred, not thrown
    a.close();
    a = new Outbox(dir, { maxBytes: 1 << 30, retryMinMs: 20, retryMaxMs: 200 });   // a restart on the full disk
    opened.push(a);
    expect(a.checkpoint('file:a')).toBe(String(stored / 10 - 1));   // no checkpoint past what was stored
    a.resume(50);
    let resumed = false;
    void a.room().then(() => { resumed = true; });
    expect(() => a.emit(lines(600, 1), { 'file:a': 'x' })).toThrow(DiskFullError);
    expect(() => a.emit(lines(700, 1))).toThrow(DiskFullError);   // no checkpoint: this one is lost
    expect(a.diskFull).toBe(true);
    disk.free();
    await vi.waitFor(() => expect(resumed).toBe(true), { timeout: 10_000, interval: 20 });
    expect(a.ackedSeq).toBe(50);
    const rest = decodeRun(a.read(51, 1 << 20)!).events;
    expect(rest.filter((e) => e.line).length).toBe(stored - 50);
    expect(rest.at(-1)!.loss!.reason).toContain('state disk full');
    expect(Number(rest.at(-1)!.loss!.droppedEvents)).toBe(1);   // the emit without a checkpoint
  });
});

describe('write error classifier', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  const plenty = () => 1 << 30;
  const none = () => 4096;

  it('takes only a lack of space for a full disk; other I/O errors stall under their own name', () => {
    expect(classifyWriteError(err('SQLITE_FULL'), plenty)).toBe('full');
    expect(classifyWriteError(err('ENOSPC'), plenty)).toBe('full');
    // write-side I/O errors are a full disk only when the disk has (almost) no room left
    for (const code of ['SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_SHMSIZE', 'SQLITE_IOERR_TRUNCATE']) {
      expect(classifyWriteError(err(code), none), code).toBe('full');
      expect(classifyWriteError(err(code), plenty), code).toBe('io');
    }
    for (const code of ['SQLITE_IOERR', 'SQLITE_IOERR_READ', 'SQLITE_IOERR_SHORT_READ', 'SQLITE_IOERR_CORRUPTFS']) {
      expect(classifyWriteError(err(code), none), code).toBe('io');
    }
    for (const code of ['SQLITE_CONSTRAINT', 'SQLITE_CORRUPT', 'EACCES']) expect(classifyWriteError(err(code), none), code).toBeUndefined();
    expect(classifyWriteError(new Error('bug'), none)).toBeUndefined();
    expect(classifyWriteError(new DiskFullError(undefined, 'io'), plenty)).toBe('io');
    expect(freeBytes(tmpdir())).toBeGreaterThan(0);
  });

  it('reports an I/O error stall honestly', () => {
    const io = new Stall(0, 'SQLITE_IOERR_READ', 'io');
    expect(io.report(2000).reason).toMatch(/^state disk I\/O error for 2\.0 s \(SQLITE_IOERR_READ\)/);
    expect(new DiskFullError(undefined, 'io').message).toMatch(/^state disk I\/O error/);
    expect(new Stall(0, 'SQLITE_FULL').report(1000).reason).toMatch(/^state disk full for 1\.0 s/);
  });
});
