// A file truncated and rewritten behind the same first bytes (a banner), so that the
// first-bytes fingerprint still matches and the size is not smaller: the bytes before the
// read position changed, so it is read again from byte 0, running or across a restart.
// Content that goes without a copy before it was read is reported as a data-loss event.
import { appendFileSync, ftruncateSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../src/sources/file/identity.js';
import type { FileSourceHandle } from '../src/sources/file/index.js';
import { cleanupAfterEach, expectExactlyOnce, MemoryContext, range, waitFor } from './file-harness.js';

const scope = cleanupAfterEach();
const run = (ctx: MemoryContext, path: string, chunkBytes?: number): Promise<FileSourceHandle> =>
  scope.start(ctx, [{ path, type: 'syslog' }], { pollMs: 50, chunkBytes });
const setup = () => join(scope.dir(), 'app.log');

// 256 bytes: the whole fingerprint; the same in both generations
const BANNER = ('# app 1.0 log, started by init; ' + '='.repeat(256)).slice(0, 255) + '\n';
const lines = (g: number, from: number, to: number, pad = '') => range(from, to).map((s) => `app[1]: request served${pad} #g${g}-s${s}\n`).join('');
const textLines = (ctx: MemoryContext) => ctx.lines().filter((l) => !l.text.startsWith('#'));

describe('file source: rewrites behind the same first bytes', () => {
  it('truncated and rewritten with the same banner and 300 new lines (size >= old): all 300 are delivered', async () => {
    const log = setup();
    writeFileSync(log, BANNER + lines(0, 0, 300));
    const ctx = new MemoryContext();
    await run(ctx, log);
    await waitFor(() => textLines(ctx).length >= 300, 'first 300 lines');
    writeFileSync(log, BANNER + lines(1, 300, 600, ' again')); // O_TRUNC, then one write: longer than before
    await waitFor(() => textLines(ctx).length >= 600, 'the 300 rewritten lines');
    expectExactlyOnce(textLines(ctx), range(0, 600), { 1: log });
    expect(ctx.losses()).toEqual([]);
    expect(ctx.lines().filter((l) => l.text === BANNER.trimEnd()).map((l) => l.offset)).toEqual([0, 0]);
  });

  /** The banner and 300 lines, read; then the source is stopped. */
  async function readThenStop(): Promise<{ log: string; ctx: MemoryContext }> {
    const log = setup();
    writeFileSync(log, BANNER + lines(0, 0, 300));
    const ctx = new MemoryContext();
    const src = await run(ctx, log);
    await waitFor(() => textLines(ctx).length >= 300, 'first 300 lines');
    await src.stop();
    return { log, ctx };
  }

  it('a rewrite while the agent was stopped is read from byte 0 at start', async () => {
    const { log, ctx } = await readThenStop();
    const [cp] = [...ctx.saved.values()].map((v) => decodeCheckpoint(v)!);
    expect(cp).toMatchObject({ tl: 4096, te: cp.off });
    writeFileSync(log, BANNER + lines(1, 300, 600, ' again'));
    await run(ctx, log);
    await waitFor(() => textLines(ctx).length >= 600, 'the rewritten lines');
    expectExactlyOnce(textLines(ctx), range(0, 600), { 1: log });
  });

  it('a checkpoint without the tail fields (an older agent) is still resumed from its offset', async () => {
    const { log, ctx } = await readThenStop();
    for (const [k, v] of ctx.saved) {
      const { te: _te, tl: _tl, th: _th, ...old } = decodeCheckpoint(v)!;
      ctx.saved.set(k, encodeCheckpoint(old));
    }
    appendFileSync(log, lines(0, 300, 320));
    await run(ctx, log);
    await waitFor(() => textLines(ctx).length >= 320, 'the appended lines');
    expectExactlyOnce(textLines(ctx), range(0, 320), { 0: log });
  });

  it('content truncated without a copy before it was read is reported as a data-loss event, with its bytes', async () => {
    const log = setup();
    writeFileSync(log, lines(0, 0, 2000));
    const ctx = new MemoryContext();
    ctx.roomLimit = 100; // backpressure: the source is held after its first chunk
    await run(ctx, log, 4096);
    await waitFor(() => ctx.events.length >= 100, 'first chunk');
    const fd = openSync(log, 'r+');
    ftruncateSync(fd, 0); // no copy is kept
    closeSync(fd);
    writeFileSync(log, lines(1, 5000, 5010));
    ctx.release();
    await waitFor(() => ctx.lines().filter((l) => l.text.includes('#g1-')).length >= 10, 'the new content');
    const read = ctx.lines().filter((l) => l.text.includes('#g0-'));
    expect(read.length).toBeLessThan(2000);
    const losses = ctx.losses();
    expect(losses).toHaveLength(1);
    const unreadFrom = read.at(-1)!.offset! + Buffer.byteLength(read.at(-1)!.text) + 1;
    expect(losses[0].droppedBytes).toBe(Buffer.byteLength(lines(0, 0, 2000)) - unreadFrom); // all it had seen and not read
    expect(losses[0].reason).toContain(log);
    expectExactlyOnce(ctx.lines().filter((l) => l.text.includes('#g1-')), range(5000, 5010), { 1: log });
  });
});
