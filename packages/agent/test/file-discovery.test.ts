// Discovery: globs in any path component, files and directories that appear while the
// source runs (read from byte 0, even under start_at: end), checkpoints of other file
// sources left alone, and stop() releasing watchers, descriptors and timers.
import { copyFileSync, mkdirSync, readdirSync, renameSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGlob, expandGlob } from '../src/sources/file/glob.js';
import { createFileSource } from '../src/sources/file/index.js';
import { cleanupAfterEach, expectExactlyOnce, MemoryContext, range, sleep, waitFor } from './file-harness.js';

const scope = cleanupAfterEach();

function dir(): string {
  return scope.dir();
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
    scope.defer(() => src.stop());
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
    scope.defer(() => src.stop());
    await waitFor(() => ctx.events.length === 10, 'lines');
    expect(ctx.saved.get('file:1:2')).toBe(foreign);
    expect(() => createFileSource([{ path: '', type: 'auth' }])).toThrow(/files\[0\]\.path/);
    expect(() => createFileSource([{ path: '/x', type: 'nope' as 'auth' }])).toThrow(/files\[0\]\.type/);
    expect(() => createFileSource([{ path: '/x', type: 'auth', start_at: 'middle' as 'end' }])).toThrow(/start_at/);
    expect(() => createFileSource([{ path: '/x', type: 'auth', max_line_bytes: 0 }])).toThrow(/max_line_bytes/);
    expect(() => createFileSource([{ path: '/x/*', type: 'auth', exclude: ['a/b'] }])).toThrow(/files\[0\]\.exclude/);
  });

  it('a glob over a whole folder does not read rotated or compressed copies again', async () => {
    const d = dir();
    writeFileSync(join(d, 'old.log.2.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x0a]));
    writeFileSync(join(d, 'auth.log-20261126'), lines(9, 9000, 9010)); // a copy from before: excluded
    writeFileSync(join(d, 'auth.log'), lines(0, 0, 100));
    writeFileSync(join(d, 'app.log'), lines(1, 1000, 1100));
    const ctx = new MemoryContext();
    const src = createFileSource([{ path: join(d, '*'), type: 'syslog' }], { pollMs: 50 });
    await src.start(ctx);
    scope.defer(() => src.stop());
    await waitFor(() => ctx.events.length >= 200, 'first lines');
    // Rename rotation (auth.log -> auth.log.1, new auth.log) and copytruncate (app.log copied
    // to app.log.1, then truncated); both rotated names match '*'.
    appendFileSync(join(d, 'auth.log'), lines(0, 100, 150));
    renameSync(join(d, 'auth.log'), join(d, 'auth.log.1'));
    writeFileSync(join(d, 'auth.log'), lines(4, 150, 200)); // generation 4: the new file
    appendFileSync(join(d, 'app.log'), lines(1, 1100, 1150));
    copyFileSync(join(d, 'app.log'), join(d, 'app.log.1'));
    truncateSync(join(d, 'app.log'), 0);
    appendFileSync(join(d, 'app.log'), lines(5, 1150, 1200)); // generation 5: after the truncation
    await waitFor(() => ctx.events.length >= 400, 'rotated lines');
    await sleep(400); // several polls: nothing more may arrive
    const got = ctx.lines();
    expect(got.length).toBe(400);
    expectExactlyOnce(got, [...range(0, 200), ...range(1000, 1200)], { 4: join(d, 'auth.log'), 5: join(d, 'app.log') });
    expect(got.some((l) => l.text.includes('#g9-') || l.path.endsWith('.gz'))).toBe(false);
  });

  it('exclude replaces the default list; a path without glob characters is always read', async () => {
    const d = dir();
    writeFileSync(join(d, 'a.log'), lines(0, 0, 5));
    writeFileSync(join(d, 'a.log.1'), lines(1, 5, 10));
    writeFileSync(join(d, 'skip.log'), lines(2, 10, 15));
    writeFileSync(join(d, 'b.gz'), lines(3, 15, 20)); // a plain text file, read when named directly
    const ctx = new MemoryContext();
    const src = createFileSource([{ path: join(d, '*'), type: 'syslog', exclude: ['skip.*'] }, { path: join(d, 'b.gz'), type: 'syslog' }], { pollMs: 50 });
    await src.start(ctx);
    scope.defer(() => src.stop());
    await waitFor(() => ctx.events.length >= 15, 'lines');
    await sleep(200);
    const paths = new Set(ctx.lines().map((l) => l.path.slice(d.length + 1)));
    expect(paths).toEqual(new Set(['a.log', 'a.log.1', 'b.gz']));
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
