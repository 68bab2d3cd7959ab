// Rotation while running, with a writer child process appending thousands of lines per
// second through the rotation: rename+create, create-before-rename, copytruncate, plain
// truncation, delete+create (inode reuse) and a deleted file that is still open.
import { appendFileSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileSourceHandle } from '../src/sources/file/index.js';
import { cleanupAfterEach, expectExactlyOnce, MemoryContext, range, sleep, startWriter, waitFor } from './file-harness.js';

const OPTS = { pollMs: 50, closeInactiveMs: 400 };
const scope = cleanupAfterEach();

const run = (ctx: MemoryContext, path: string, opts = OPTS): Promise<FileSourceHandle> => scope.start(ctx, [{ path, type: 'auth' }], opts);

function setup(): { dir: string; log: string } {
  const dir = scope.dir();
  return { dir, log: join(dir, 'auth.log') };
}

describe('file source: rotation while running', () => {
  // "racing": the source reads while the writer rotates; "held": backpressure keeps the
  // source behind, so much of the old file is still unread when it is rotated.
  for (const mode of ['racing', 'held'] as const) {
    const hold = (ctx: MemoryContext, at: number) => { if (mode === 'held') ctx.roomLimit = at; };

    it(`rename+create (${mode}): the renamed file is read to its end (late writes too), the new one from 0`, async () => {
      const { log } = setup();
      const ctx = new MemoryContext();
      hold(ctx, 2000);
      const src = await run(ctx, log);
      const w = startWriter({ path: log, count: 12000, kind: 'rename', rotateAt: 5000, tail: 1000 });
      await w.done;
      ctx.release();
      await waitFor(() => ctx.events.length >= 12000, '12000 lines');
      await sleep(150);
      expectExactlyOnce(ctx.lines(), range(0, 12000), { 0: log + '.1', 1: log });
      expect(new Set(ctx.lines().map((l) => l.path))).toEqual(new Set([log]));
      // the rotated file is dropped (checkpoint deleted) once idle; the new one stays tracked
      await waitFor(() => ctx.saved.size === 1 && src.stats().filesOpen === 1, 'old file dropped');
    });

    it(`create-before-rename (${mode}): the new file already has lines when it takes the name`, async () => {
      const { log } = setup();
      const ctx = new MemoryContext();
      hold(ctx, 2000);
      await run(ctx, log);
      const w = startWriter({ path: log, count: 12000, kind: 'create-before-rename', rotateAt: 4000, tail: 2000 });
      await w.done;
      ctx.release();
      await waitFor(() => ctx.events.length >= 12000, '12000 lines');
      await sleep(150);
      expectExactlyOnce(ctx.lines(), range(0, 12000), { 0: log + '.1', 1: log });
      await waitFor(() => ctx.saved.size === 1, 'old file dropped');
    });

    it(`copytruncate (${mode}): the rest of the old content comes from the rotated copy, then the file from 0`, async () => {
      const { log } = setup();
      const ctx = new MemoryContext();
      hold(ctx, 3000);
      await run(ctx, log);
      writeFileSync(log + '.2.gz', 'not a candidate\n');
      const w = startWriter({ path: log, count: 15000, kind: 'copytruncate', rotateAt: 7000 });
      await w.done;
      ctx.release();
      await waitFor(() => ctx.events.length >= 15000, '15000 lines');
      await sleep(150);
      expectExactlyOnce(ctx.lines(), range(0, 15000), { 0: log + '.1', 1: log });
    });
  }

  it('plain truncation: every line written after the agent caught up arrives once, from byte 0', async () => {
    const { log } = setup();
    const ctx = new MemoryContext();
    await run(ctx, log);
    const w = startWriter({ path: log, count: 12000, kind: 'truncate', rotateAt: 5000 });
    await new Promise<void>((r) => w.child.stdout!.once('data', () => r()));
    await waitFor(() => ctx.events.length >= 5000, 'catch-up');
    w.child.stdin!.write('go\n');
    await w.done;
    await waitFor(() => ctx.events.length >= 12000, '12000 lines');
    await sleep(150);
    expectExactlyOnce(ctx.lines(), range(0, 12000), { 1: log });
    expect(ctx.lines().find((l) => l.text.endsWith('#g1-s5000'))!.offset).toBe(0);
  });

  it('delete+create reusing the inode does not resume at the old offset', async () => {
    const { log } = setup();
    const ctx = new MemoryContext();
    let src = await run(ctx, log);
    writeFileSync(log, range(0, 300).map((s) => `first file line #g0-s${s}\n`).join(''));
    await waitFor(() => ctx.events.length === 300, 'first file');
    await src.stop();
    rmSync(log);
    // the freed inode is usually handed to the next file created in the same directory
    writeFileSync(log, range(300, 700).map((s) => `second #g1-s${s}\n`).join(''));
    src = await run(ctx, log);
    await waitFor(() => ctx.events.length >= 700, 'second file');
    await sleep(150);
    expectExactlyOnce(ctx.lines(), range(0, 700), { 1: log });
  });

  it('a deleted file that is still open is read to its end', async () => {
    const { log } = setup();
    writeFileSync(log, range(0, 20000).map((s) => `line to read after unlink #g0-s${s}\n`).join(''));
    const ctx = new MemoryContext();
    ctx.roomLimit = 1000; // hold the source mid-file
    await run(ctx, log, { ...OPTS, chunkBytes: 16384 } as typeof OPTS);
    await waitFor(() => ctx.events.length >= 1000, 'first lines');
    rmSync(log);
    await sleep(100);
    ctx.release();
    await waitFor(() => ctx.events.length >= 20000, 'all lines');
    expectExactlyOnce(ctx.lines(), range(0, 20000));
    await waitFor(() => ctx.saved.size === 0, 'deleted file dropped');
  });

  it('a rename out of the pattern with a partial last line: the fragment is emitted when the file is dropped', async () => {
    const { log } = setup();
    const ctx = new MemoryContext();
    await run(ctx, log);
    writeFileSync(log, 'complete #g0-s0\nfragment without newline #g0-s1');
    await waitFor(() => ctx.events.length === 1, 'first line');
    renameSync(log, log + '.1');
    appendFileSync(log, 'new file #g1-s2\n');
    await waitFor(() => ctx.events.length === 3, 'fragment flushed on drop');
    expectExactlyOnce(ctx.lines(), range(0, 3), { 0: log + '.1', 1: log });
    expect(existsSync(log + '.1')).toBe(true);
  });
});
