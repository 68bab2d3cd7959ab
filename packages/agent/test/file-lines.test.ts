// Line splitting through real files: partial lines wait for their newline, over-long lines
// are cut on a UTF-8 boundary and flagged (their rest skipped, not turned into new lines),
// CRLF, invalid UTF-8, and a real sshd log whose last line has no newline.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../src/sources/file/index.js';
import { LineSplitter } from '../src/sources/file/splitter.js';
import { cleanupAfterEach, MemoryContext, sleep, waitFor } from './file-harness.js';

const scope = cleanupAfterEach();

async function tail(entry: Omit<FileEntry, 'path' | 'type'>, content: string | Buffer, chunkBytes?: number) {
  const path = join(scope.dir(), 'app.log');
  writeFileSync(path, content);
  const ctx = new MemoryContext();
  const src = await scope.start(ctx, [{ path, type: 'json', ...entry }], { pollMs: 40, chunkBytes });
  return { path, ctx, src };
}

describe('file source: lines', () => {
  it('a partial last line waits for its newline and keeps its offset', async () => {
    const { path, ctx } = await tail({}, 'one #1\ntwo, half');
    await waitFor(() => ctx.events.length === 1, 'first line');
    await sleep(200);
    expect(ctx.lines().map((l) => l.text)).toEqual(['one #1']);
    const cp = JSON.parse([...ctx.saved.values()][0]);
    expect(cp.off).toBe(7); // not past the partial line
    appendFileSync(path, ' and the rest #2\nthree #3\n');
    await waitFor(() => ctx.events.length === 3, 'completed line');
    expect(ctx.lines().map((l) => [l.text, l.offset])).toEqual([['one #1', 0], ['two, half and the rest #2', 7], ['three #3', 33]]);
  });

  it('an over-long line is cut on a UTF-8 boundary, flagged with its length, and its rest skipped', async () => {
    const long = 'x'.repeat(98) + 'é'.repeat(500); // the cap (100) falls inside a 2-byte é
    const huge = 'y'.repeat(300000); // longer than several read chunks
    const { path, ctx } = await tail({ max_line_bytes: 100 }, `short #1\n${long}\nafter #2\n${huge}`, 4096);
    await waitFor(() => ctx.events.length === 3, 'three lines');
    appendFileSync(path, 'yyy\r\nlast #3\n');
    await waitFor(() => ctx.events.length === 5, 'five lines');
    const ls = ctx.lines();
    expect(ls.map((l) => l.text.slice(0, 8))).toEqual(['short #1', 'x'.repeat(8), 'after #2', 'y'.repeat(8), 'last #3']);
    expect(ls[1]).toMatchObject({ truncated: true, originalLength: 98 + 1000, offset: 9 });
    expect(ls[1].text).toBe('x'.repeat(98) + 'é'); // 100 bytes, no split character
    expect(ls[3]).toMatchObject({ truncated: true, originalLength: 300003, text: 'y'.repeat(100) });
    expect(ls[4].offset).toBe(ls[3].offset! + 300003 + 2);
    expect(ls[0].truncated).toBeUndefined();
  });

  it('CRLF: the \\r is stripped, offsets stay exact', async () => {
    const { ctx } = await tail({}, 'a #1\r\n\r\nb #2\r\nc\r#3\n');
    await waitFor(() => ctx.events.length === 4, 'lines');
    expect(ctx.lines().map((l) => [l.text, l.offset])).toEqual([['a #1', 0], ['', 6], ['b #2', 8], ['c\r#3', 14]]);
  });

  it('invalid UTF-8 becomes U+FFFD without losing the line or shifting offsets', async () => {
    const bytes = Buffer.concat([Buffer.from('ok #1\nbad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' #2\nafter #3\n')]);
    const { ctx } = await tail({}, bytes);
    await waitFor(() => ctx.events.length === 3, 'lines');
    expect(ctx.lines().map((l) => [l.text, l.offset])).toEqual([['ok #1', 0], ['bad \ufffd\ufffd\ufffd #2', 6], ['after #3', 17]]);
  });

  it('a real sshd log: every line with its exact offset, the unterminated last one once completed', async () => {
    const fixture = fileURLToPath(new URL('../../../test/fixtures/loghub/OpenSSH_2k.log', import.meta.url));
    const raw = readFileSync(fixture);
    const { path, ctx } = await tail({}, raw);
    await waitFor(() => ctx.events.length === 1999, '1999 complete lines');
    await sleep(150);
    expect(ctx.events.length).toBe(1999);
    appendFileSync(path, '\n');
    await waitFor(() => ctx.events.length === 2000, 'last line');
    const want = raw.toString('utf8').split(/\r?\n/); // the fixture has CRLF line ends
    expect(ctx.lines().map((l) => l.text)).toEqual(want);
    for (const l of ctx.lines()) expect(raw.toString('utf8', l.offset!, l.offset! + Buffer.byteLength(l.text))).toBe(l.text);
    expect(ctx.lines().every((l) => l.type === 'json' && l.path === path)).toBe(true);
  });

  it('the splitter agrees with a plain split at every chunk size', () => {
    const text = Buffer.from('α\nbb\r\n\n' + 'c'.repeat(37) + '\nddd\n' + 'é'.repeat(30) + '\nlast');
    for (const chunk of [1, 2, 3, 5, 8, 13, 64, 1024]) {
      const s = new LineSplitter(20, chunk, 0);
      const got: Array<[string, number, boolean, number]> = [];
      let pos = 0;
      while (pos < text.length) {
        const t = s.target();
        const n = text.copy(t.buf, t.pos, pos, Math.min(text.length, pos + t.len));
        pos += n;
        s.consume(n, (tx, off, _next, trunc, len) => got.push([tx, off, trunc, len]));
      }
      expect(s.offset).toBe(text.length - 4);
      s.flush((tx, off, _next, trunc, len) => got.push([tx, off, trunc, len]));
      expect(got, `chunk ${chunk}`).toEqual([
        ['α', 0, false, 2], ['bb', 3, false, 2], ['', 7, false, 0], ['c'.repeat(20), 8, true, 37],
        ['ddd', 46, false, 3], ['é'.repeat(10), 50, true, 60], ['last', 111, false, 4],
      ]);
    }
  });
});
