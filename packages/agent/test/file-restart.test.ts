// Stop/start behaviour: resume from the checkpoint without repeats (also when stopped
// mid-file by backpressure), start_at: end, and rotations that happened while the agent
// was stopped (the old file is found among the siblings by identity or fingerprint).
import { appendFileSync, copyFileSync, lstatSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileEntry, FileSourceHandle } from '../src/sources/file/index.js';
import { cleanupAfterEach, expectExactlyOnce, MemoryContext, range, sleep, waitFor } from './file-harness.js';

const scope = cleanupAfterEach();
const run = (ctx: MemoryContext, entry: FileEntry, chunkBytes?: number, startedAtMs?: number): Promise<FileSourceHandle> =>
  scope.start(ctx, [entry], { pollMs: 50, closeInactiveMs: 300, chunkBytes, startedAtMs });
const setup = () => join(scope.dir(), 'auth.log');

const lines = (g: number, from: number, to: number) =>
  range(from, to).map((s) => `Nov 27 10:00:00 h sshd[7]: Failed password for root from 198.51.100.${s % 200} port 22 ssh2 #g${g}-s${s}\n`).join('');

describe('file source: stop and start', () => {
  it('resumes from the checkpoint across a stop/start, also when stopped mid-file by backpressure', async () => {
    const log = setup();
    writeFileSync(log, lines(0, 0, 30000));
    const ctx = new MemoryContext();
    ctx.roomLimit = 5000;
    let src = await run(ctx, { path: log, type: 'auth' }, 65536);
    await waitFor(() => ctx.events.length >= 5000, 'first part');
    await sleep(100);
    const held = ctx.events.length;
    expect(held).toBeLessThan(30000); // backpressure respected: no reading past room()
    await src.stop();
    ctx.release();
    appendFileSync(log, lines(0, 30000, 31000));
    src = await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 31000, 'all lines');
    await src.stop();
    appendFileSync(log, lines(0, 31000, 31500));
    await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 31500, 'lines after second restart');
    await sleep(150);
    expectExactlyOnce(ctx.lines(), range(0, 31500), { 0: log });
  });

  it('start_at: end skips existing lines once; later lines and restarts lose nothing', async () => {
    const log = setup();
    writeFileSync(log, 'old line 1\nold line 2\npartial old');
    const ctx = new MemoryContext();
    let src = await run(ctx, { path: log, type: 'auth', start_at: 'end' });
    appendFileSync(log, ' tail #g0-s0\n' + lines(0, 1, 100));
    await waitFor(() => ctx.events.length >= 100, 'new lines');
    await src.stop();
    appendFileSync(log, lines(0, 100, 200)); // written while stopped: must not be skipped
    src = await run(ctx, { path: log, type: 'auth', start_at: 'end' });
    await waitFor(() => ctx.events.length >= 200, 'lines written while stopped');
    await sleep(150);
    expectExactlyOnce(ctx.lines(), range(0, 200), { 0: log });
    expect(ctx.lines()[0].text).toBe('partial old tail #g0-s0');
  });

  it('rename+create while stopped: the old file is finished from its sibling, the new one read from 0', async () => {
    const log = setup();
    writeFileSync(log, lines(0, 0, 1000));
    const ctx = new MemoryContext();
    let src = await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 1000, 'first part');
    await src.stop();
    appendFileSync(log, lines(0, 1000, 1500));
    renameSync(log, log + '-20261127');
    writeFileSync(log, lines(1, 1500, 1800));
    src = await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 1800, 'all lines');
    await sleep(150);
    expectExactlyOnce(ctx.lines(), range(0, 1800), { 0: log + '-20261127', 1: log });
    await waitFor(() => ctx.saved.size === 1, 'rotated file dropped');
  });

  it('copytruncate while stopped: the old content is finished from the copy matched by fingerprint', async () => {
    const log = setup();
    writeFileSync(log, lines(0, 0, 1000));
    const ctx = new MemoryContext();
    let src = await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 1000, 'first part');
    await src.stop();
    appendFileSync(log, lines(0, 1000, 1400));
    writeFileSync(log + '.2', lines(5, 9000, 9100)); // an older rotation: other fingerprint
    copyFileSync(log, log + '.1');
    truncateSync(log, 0);
    appendFileSync(log, lines(1, 1400, 1700));
    src = await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 1700, 'all lines');
    await sleep(150);
    expectExactlyOnce(ctx.lines(), range(0, 1700), { 0: log + '.1', 1: log });
  });

  it('a checkpointed file that vanished for good is reported and its checkpoint removed', async () => {
    const log = setup();
    writeFileSync(log, lines(0, 0, 10));
    const ctx = new MemoryContext();
    let src = await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 10, 'lines');
    await src.stop();
    renameSync(log, log + '.old.gz');
    writeFileSync(log, lines(1, 10, 20));
    src = await run(ctx, { path: log, type: 'auth' });
    await waitFor(() => ctx.events.length >= 20, 'new file');
    expectExactlyOnce(ctx.lines(), range(0, 20), { 1: log });
    expect(ctx.saved.size).toBe(1);
  });

  for (const kind of ['rename', 'copytruncate', 'rename then copytruncate'] as const) {
    it(`a ${kind} between the agent's start and its first scan loses nothing (siblings rotated since are read)`, async () => {
      const log = setup();
      writeFileSync(log + '.1', lines(9, 9000, 9010)); // an older rotation, shipped long ago
      await waitFor(() => Date.now() > lstatSync(log + '.1').mtimeMs + 200, 'the clock past the old rotation');
      const startedAt = Date.now(); // the agent process starts...
      renameSync(log + '.1', log + '.2'); // ...the rotation moves the old copy along: renamed since, not written since
      writeFileSync(log, lines(0, 0, 300));
      const files: Record<number, string> = {};
      let g = 0;
      if (kind !== 'copytruncate') { renameSync(log, log + '.1'); files[g++] = log + '.1'; appendFileSync(log, lines(g, 300, 350)); }
      if (kind !== 'rename') {
        if (kind === 'copytruncate') appendFileSync(log, lines(g, 300, 350));
        copyFileSync(log, log + '-20261127'); truncateSync(log, 0); files[g++] = log + '-20261127';
      }
      appendFileSync(log, lines(g, 350, 400)); // the file as the first scan meets it
      files[g] = log;
      const ctx = new MemoryContext();
      await run(ctx, { path: log, type: 'auth' }, undefined, startedAt); // ...then the first scan
      await waitFor(() => ctx.events.length >= 400, 'every file');
      await waitFor(() => ctx.saved.size === 1, 'the rotated ones dropped at their end');
      expectExactlyOnce(ctx.lines(), range(0, 400), files);
      expect(new Set(ctx.lines().map((l) => l.path))).toEqual(new Set([log]));
    });
  }
});
