// Discovery: globs in any path component, files and directories that appear while the
// source runs (read from byte 0, even under start_at: end), checkpoints of other file
// sources left alone, and stop() releasing watchers, descriptors and timers.
import { mkdirSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileGlob, expandGlob } from '../src/sources/file/glob.js';
import { createFileSource } from '../src/sources/file/index.js';
import { expectExactlyOnce, MemoryContext, range, sleep, tempDir, waitFor } from './file-harness.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups = []; });

function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
const lines = (g: number, from: number, to: number) => range(from, to).map((s) => `sudo: pam_unix(sudo:session): opened #g${g}-s${s}\n`).join('');

describe('file source: discovery', () => {
  it('glob matcher: * ? [..] [!..] in any component, no leading dots, literal specials', () => {
    const d = dir();
    for (const sub of ['app1', 'app2', 'appX', '.hidden']) mkdirSync(join(d, sub));
    for (const f of ['app1/a.log', 'app1/b.log', 'app1/.c.log', 'app2/a.log', 'app2/a.log.1', 'appX/a.log', '.hidden/a.log', 'app1/x+(1).log']) writeFileSync(join(d, f), '');
    const rel = (ps: string[]) => ps.map((p) => p.slice(d.length + 1));
    expect(rel(expandGlob(compileGlob(join(d, 'app[0-9]/*.log'))))).toEqual(['app1/a.log', 'app1/b.log', 'app1/x+(1).log', 'app2/a.log']);
    expect(rel(expandGlob(compileGlob(join(d, 'app?/a.log*'))))).toEqual(['app1/a.log', 'app2/a.log', 'app2/a.log.1', 'appX/a.log']);
    expect(rel(expandGlob(compileGlob(join(d, 'app[!0-9]/*'))))).toEqual(['appX/a.log']);
    expect(rel(expandGlob(compileGlob(join(d, '*/a.log'))))).toEqual(['app1/a.log', 'app2/a.log', 'appX/a.log']);
    expect(rel(expandGlob(compileGlob(join(d, 'app1/x+(1).log'))))).toEqual(['app1/x+(1).log']);
    const g = compileGlob(join(d, 'app*/[ab].log'));
    expect(g.baseDir).toBe(d);
    expect(g.full.test(join(d, 'app9/b.log'))).toBe(true);
    expect(g.full.test(join(d, 'app9/sub/b.log'))).toBe(false);
  });

  it('files and directories that appear while running are read from byte 0 (even with start_at: end)', async () => {
    const d = dir();
    mkdirSync(join(d, 'svc1'));
    writeFileSync(join(d, 'svc1', 'old.log'), 'existing line, skipped by start_at end\n');
    const ctx = new MemoryContext();
    const src = createFileSource([{ path: join(d, 'svc*', '*.log'), type: 'syslog', start_at: 'end' }], { pollMs: 60 });
    await src.start(ctx);
    cleanups.push(() => src.stop());
    appendFileSync(join(d, 'svc1', 'old.log'), lines(0, 0, 50));
    writeFileSync(join(d, 'svc1', 'new.log'), lines(1, 50, 150));
    writeFileSync(join(d, 'svc1', 'ignored.txt'), 'not matched #g9-s9999\n');
    mkdirSync(join(d, 'svc2')); // a directory that did not exist at start: found by the poll
    writeFileSync(join(d, 'svc2', 'late.log'), lines(2, 150, 400));
    await waitFor(() => ctx.events.length >= 400, 'all lines');
    appendFileSync(join(d, 'svc2', 'late.log'), lines(2, 400, 450));
    await waitFor(() => ctx.events.length >= 450, 'appended lines');
    await sleep(150);
    expectExactlyOnce(ctx.lines(), range(0, 450), {
      0: join(d, 'svc1', 'old.log'), 1: join(d, 'svc1', 'new.log'), 2: join(d, 'svc2', 'late.log'),
    });
    expect(new Set(ctx.lines().map((l) => l.type))).toEqual(new Set(['syslog']));
    expect(src.stats()).toMatchObject({ linesRead: 450, filesOpen: 3, linesTruncated: 0 });
  });

  it('leaves checkpoints of paths it does not match alone; bad config is refused by name', async () => {
    const d = dir();
    writeFileSync(join(d, 'a.log'), lines(0, 0, 10));
    const ctx = new MemoryContext();
    const foreign = JSON.stringify({ v: 1, path: '/elsewhere/x.log', dev: '1', ino: '2', fp: 'ab', fpLen: 2, off: 5 });
    ctx.saved.set('file:1:2', foreign);
    const src = createFileSource([{ path: join(d, '*.log'), type: 'auth' }], { pollMs: 60 });
    await src.start(ctx);
    cleanups.push(() => src.stop());
    await waitFor(() => ctx.events.length === 10, 'lines');
    expect(ctx.saved.get('file:1:2')).toBe(foreign);
    expect(() => createFileSource([{ path: '', type: 'auth' }])).toThrow(/files\[0\]\.path/);
    expect(() => createFileSource([{ path: '/x', type: 'nope' as 'auth' }])).toThrow(/files\[0\]\.type/);
    expect(() => createFileSource([{ path: '/x', type: 'auth', start_at: 'middle' as 'end' }])).toThrow(/start_at/);
    expect(() => createFileSource([{ path: '/x', type: 'auth', max_line_bytes: 0 }])).toThrow(/max_line_bytes/);
  });

  it('idle costs nothing visible and stop() releases descriptors and timers', async () => {
    const d = dir();
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 5; i++) writeFileSync(join(d, `f${i}.log`), lines(i, i * 10, i * 10 + 10));
    const ctx = new MemoryContext();
    const src = createFileSource([{ path: join(d, '*.log'), type: 'auth' }], { pollMs: 50 });
    await src.start(ctx);
    await waitFor(() => ctx.events.length === 50, 'lines');
    expect(fds()).toBeGreaterThanOrEqual(before + 5);
    const emits = ctx.emits;
    const cpu = process.cpuUsage();
    await sleep(500); // ten poll periods with nothing new
    const used = process.cpuUsage(cpu);
    expect(ctx.emits).toBe(emits);
    expect((used.user + used.system) / 1000).toBeLessThan(60); // ms of CPU in 500 ms idle (measured ~1.5%)
    await src.stop();
    await sleep(20);
    expect(fds()).toBe(before);
    appendFileSync(join(d, 'f0.log'), lines(0, 100, 101));
    await sleep(200);
    expect(ctx.events.length).toBe(50); // nothing runs after stop
  });
});
