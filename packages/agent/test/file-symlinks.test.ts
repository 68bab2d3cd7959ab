// What the file source opens: a symlink a glob finds is not followed (the `ln -s /etc/shadow
// /var/log/app/x.log` attack), nor a file below a linked directory, unless follow_symlinks is
// set, and then only inside the glob's base directory; an explicit path that is a symlink is
// followed only where no other user can have placed it (not in a folder others can write);
// a glob never reads a hard link to another owner's file; fifos are never opened (nor block the agent); a file swapped between discovery
// and open is refused.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, closeSync, linkSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/schema.js';
import { UsageError } from '../src/config/types.js';
import type { FileEntry, FileSourceHandle } from '../src/sources/file/index.js';
import { NotAdmitted, openChecked, openPlain } from '../src/sources/file/safe-open.js';
import { fdId } from '../src/sources/file/identity.js';
import { IS_ROOT } from './docker-engine.js';
import { cleanupAfterEach, expectExactlyOnce, MemoryContext, range, waitFor } from './file-harness.js';

const scope = cleanupAfterEach();
const dir = () => scope.dir();

const SECRET = 'root:$6$SECRET-MARKER-hash:19000:0:99999:7:::';
const lines = (g: number, from: number, to: number) => range(from, to).map((s) => `sshd[1]: Accepted publickey for deploy #g${g}-s${s}\n`).join('');

const run = (ctx: MemoryContext, entries: FileEntry[]): Promise<FileSourceHandle> => scope.start(ctx, entries, { pollMs: 50 });

/** After `file` gains a line and it arrives, every tailer has had a read cycle since. */
async function barrier(ctx: MemoryContext, file: string, g: number, s: number): Promise<void> {
  appendFileSync(file, lines(g, s, s + 1));
  await waitFor(() => ctx.lines().some((l) => l.text.endsWith(`#g${g}-s${s}`)), `line s${s}`);
  appendFileSync(file, lines(g, s + 1, s + 2));
  await waitFor(() => ctx.lines().some((l) => l.text.endsWith(`#g${g}-s${s + 1}`)), `line s${s + 1}`);
}

const skipped = (ctx: MemoryContext) => ctx.logged.filter((m) => m.level === 'warn' && m.msg.startsWith('skipping')).map((m) => m.extra.path);

describe('file source: symlinks and non-regular files', () => {
  it('a symlink a glob finds, or a file below a linked directory, is never read: no event holds the secret', async () => {
    const d = dir();
    const outside = dir();
    writeFileSync(join(outside, 'shadow'), `${SECRET}\n`);
    writeFileSync(join(outside, 'secret.log'), `${SECRET}\n`);
    writeFileSync(join(d, 'app.log'), lines(0, 0, 10));
    symlinkSync(join(outside, 'shadow'), join(d, 'x.log'));      // ln -s /etc/shadow /var/log/app/x.log
    mkdirSync(join(d, 'ok'));
    writeFileSync(join(d, 'ok', 'c.log'), lines(1, 100, 110));
    symlinkSync(outside, join(d, 'evil'));                         // a linked directory: evil/secret.log
    const ctx = new MemoryContext();
    const src = await run(ctx, [{ path: join(d, '*.log'), type: 'auth' }, { path: join(d, '*', '*.log'), type: 'auth' }]);
    expect(src.stats().filesOpen).toBe(2);
    await waitFor(() => ctx.lines().length >= 20, 'the real files');
    await barrier(ctx, join(d, 'app.log'), 0, 10);
    // a link created while running is skipped too
    symlinkSync(join(outside, 'shadow'), join(d, 'late.log'));
    await waitFor(() => skipped(ctx).includes(join(d, 'late.log')), 'the late link seen and skipped');
    await barrier(ctx, join(d, 'app.log'), 0, 12);
    expect(ctx.events.some((e) => JSON.stringify(e).includes('SECRET-MARKER'))).toBe(false);
    expectExactlyOnce(ctx.lines(), [...range(0, 14), ...range(100, 110)]);
    expect(new Set(skipped(ctx))).toEqual(new Set([join(d, 'x.log'), join(d, 'late.log'), join(d, 'evil', 'secret.log')]));
  });

  it('with follow_symlinks a link whose target is inside the base directory is read; one pointing outside is not', async () => {
    const d = dir();
    const outside = dir();
    writeFileSync(join(outside, 'shadow'), `${SECRET}\n`);
    writeFileSync(join(outside, 'secret.log'), `${SECRET}\n`);
    mkdirSync(join(d, 'data'));
    writeFileSync(join(d, 'data', 'real.txt'), lines(0, 0, 50));
    symlinkSync(join(d, 'data', 'real.txt'), join(d, 'in.log'));
    symlinkSync('data/real.txt', join(d, 'relative.log'));        // the same file: tracked once
    symlinkSync(join(outside, 'shadow'), join(d, 'x.log'));
    symlinkSync(outside, join(d, 'linkdir'));
    const ctx = new MemoryContext();
    const src = await run(ctx, [{ path: join(d, '*.log'), type: 'auth', follow_symlinks: true }, { path: join(d, '*', '*.log'), type: 'auth', follow_symlinks: true }]);
    await waitFor(() => ctx.lines().length >= 50, 'the linked file');
    appendFileSync(join(d, 'data', 'real.txt'), lines(0, 50, 51));
    await waitFor(() => ctx.lines().length >= 51, 'its growth');
    expect(src.stats().filesOpen).toBe(1);
    expectExactlyOnce(ctx.lines(), range(0, 51), { 0: join(d, 'data', 'real.txt') });
    expect(ctx.events.some((e) => JSON.stringify(e).includes('SECRET-MARKER'))).toBe(false);
    expect(new Set(skipped(ctx))).toEqual(new Set([join(d, 'x.log'), join(d, 'linkdir', 'secret.log')]));
  });

  it('an explicitly configured path that is a symlink is followed (the admin named it) in a 0755 folder of root', async () => {
    const d = dir();
    chmodSync(d, 0o755);
    const elsewhere = dir();
    writeFileSync(join(elsewhere, 'real.log'), lines(0, 0, 20));
    symlinkSync(join(elsewhere, 'real.log'), join(d, 'app.log'));
    const ctx = new MemoryContext();
    await run(ctx, [{ path: join(d, 'app.log'), type: 'auth' }]);
    await waitFor(() => ctx.lines().length >= 20, 'lines through the link');
    expectExactlyOnce(ctx.lines(), range(0, 20), { 0: join(elsewhere, 'real.log') });
    expect(new Set(ctx.lines().map((l) => l.path))).toEqual(new Set([join(d, 'app.log')]));
  });

  it('an explicit path whose symlink sits in a folder others can write is not followed, also when it appears later; warned once', async () => {
    const d = dir();
    const open = join(d, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const outside = dir();
    writeFileSync(join(outside, 'shadow'), `${SECRET}\n`);
    writeFileSync(join(d, 'main.log'), lines(0, 0, 5));
    writeFileSync(join(open, 'app.log'), lines(1, 100, 105));
    const ctx = new MemoryContext();
    await run(ctx, [{ path: join(d, 'main.log'), type: 'auth' }, { path: join(open, 'app.log'), type: 'auth' }]);
    await waitFor(() => ctx.lines().length >= 10, 'both real files');
    // rm app.log; ln -s /etc/shadow app.log, by anyone who can write the folder
    rmSync(join(open, 'app.log'));
    symlinkSync(join(outside, 'shadow'), join(open, 'app.log'));
    await waitFor(() => skipped(ctx).includes(join(open, 'app.log')), 'the planted link seen and skipped');
    for (let i = 0; i < 4; i++) await barrier(ctx, join(d, 'main.log'), 0, 5 + 2 * i);
    expect(ctx.events.some((e) => JSON.stringify(e).includes('SECRET-MARKER'))).toBe(false);
    expect(skipped(ctx).filter((p) => p === join(open, 'app.log'))).toHaveLength(1);
    const warn = ctx.logged.find((m) => m.extra.path === join(open, 'app.log') && m.msg.startsWith('skipping'))!;
    expect(String(warn.extra.reason)).toMatch(/writable by group or others \(mode 777\)/);
    expect(() => openChecked(join(open, 'app.log'), { glob: false, follow: false, baseDir: open }, true)).toThrow(NotAdmitted);
    // a sticky folder (like /tmp) is fine: only the link's owner can replace it there
    chmodSync(open, 0o1777);
    closeSync(openChecked(join(open, 'app.log'), { glob: false, follow: false, baseDir: open }, true));
  });

  it.skipIf(!IS_ROOT)('a glob never reads a hard link to another owner\'s file; a hard link of the folder\'s owner is read', async () => {
    const d = dir();
    const outside = dir();
    writeFileSync(join(outside, 'shadow'), `${SECRET}\n`);
    chownSync(outside, 4321, 4321);
    chownSync(join(outside, 'shadow'), 4321, 4321);
    linkSync(join(outside, 'shadow'), join(d, 'x.log'));       // ln /etc/shadow /var/log/app/x.log
    writeFileSync(join(outside, 'mine'), lines(1, 100, 110));
    linkSync(join(outside, 'mine'), join(d, 'mine.log'));      // root's file in root's folder: fine
    writeFileSync(join(d, 'app.log'), lines(0, 0, 10));
    const ctx = new MemoryContext();
    const src = await run(ctx, [{ path: join(d, '*.log'), type: 'auth' }]);
    await waitFor(() => skipped(ctx).includes(join(d, 'x.log')), 'the hard link skipped');
    await waitFor(() => ctx.lines().length >= 20, 'the admitted files');
    await barrier(ctx, join(d, 'app.log'), 0, 10);
    expect(src.stats().filesOpen).toBe(2);
    expect(ctx.events.some((e) => JSON.stringify(e).includes('SECRET-MARKER'))).toBe(false);
    const warn = ctx.logged.find((m) => m.extra.path === join(d, 'x.log'))!;
    expect(String(warn.extra.reason)).toMatch(/hard link \(2 links\) owned by uid 4321/);
    expectExactlyOnce(ctx.lines(), [...range(0, 12), ...range(100, 110)]);
  });

  it('fifos are never opened and never block; the warnings are rate-limited', async () => {
    const d = dir();
    writeFileSync(join(d, 'app.log'), lines(0, 0, 5));
    for (let i = 0; i < 25; i++) execFileSync('mkfifo', [join(d, `pipe${String(i).padStart(2, '0')}.log`)]);
    execFileSync('mkfifo', [join(d, 'named.fifo')]);
    const ctx = new MemoryContext();
    // a fifo opened for reading without a writer would block the whole agent here
    const src = await run(ctx, [{ path: join(d, 'named.fifo'), type: 'auth' }, { path: join(d, '*.log'), type: 'auth' }]);
    expect(src.stats().filesOpen).toBe(1);
    await waitFor(() => ctx.lines().length >= 5, 'the regular file');
    await barrier(ctx, join(d, 'app.log'), 0, 5);
    expectExactlyOnce(ctx.lines(), range(0, 7));
    const warned = ctx.logged.filter((m) => m.level === 'warn');
    expect(warned.length).toBe(10); // 26 fifos: 10 reports a minute, the rest counted
    expect(warned[0]).toMatchObject({ extra: { path: join(d, 'named.fifo'), reason: 'a fifo, not a regular file' } });
  });

  it('opens with O_NOFOLLOW and refuses a file swapped between discovery and open', () => {
    const d = dir();
    writeFileSync(join(d, 'a.log'), 'first\n');
    writeFileSync(join(d, 'b.log'), 'second\n');
    symlinkSync(join(d, 'b.log'), join(d, 'link.log'));
    const policy = { glob: true, follow: false, baseDir: d };
    const fd = openChecked(join(d, 'a.log'), policy, true);
    const discovered = fdId(fd);
    closeSync(fd);
    renameSync(join(d, 'b.log'), join(d, 'a.log')); // swapped after discovery
    expect(() => openChecked(join(d, 'a.log'), policy, true, discovered)).toThrow(NotAdmitted);
    expect(() => openChecked(join(d, 'link.log'), policy, true)).toThrow(/symbolic link/);
    expect(() => openPlain(join(d, 'link.log'))).toThrow(/ELOOP/);
  });

  it('follow_symlinks is validated by the config kit', () => {
    expect(validateConfig({ files: [{ path: '/var/log/app/*.log', type: 'auth', follow_symlinks: true }] }).files[0].follow_symlinks).toBe(true);
    expect(() => validateConfig({ files: [{ path: '/var/log/app/*.log', type: 'auth', follow_symlinks: 'yes' }] }))
      .toThrow(new UsageError('config: files[0].follow_symlinks: must be true or false, got "yes"'));
  });
});
