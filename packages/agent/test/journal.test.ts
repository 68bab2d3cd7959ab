/**
 * The journal source with a stand-in journalctl (a script that prints RECORDED
 * `journalctl -o json` entries, honours matches, --after-cursor, --lines=0, and follows a
 * "live" file): syslog-style lines, cursor checkpoints and resume, a missing binary, and
 * the child dying when the agent process is SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@vigil/proto';
import type { Event } from '@vigil/proto';
import type { JournalEntry } from '../src/config/types.js';
import { DiskFullError } from '../src/outbox/stall.js';
import { createJournalSource, journalArgs } from '../src/sources/journal/index.js';
import type { Source, SourceContext } from '../src/sources/source.js';
import { until } from './ws-collector.js';

const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'journal', 'journalctl-auth.jsonl');
const FAKE = `#!${process.execPath}
import fs from 'node:fs';
import path from 'node:path';
const dir = path.dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, 'calls.log'), JSON.stringify({ pid: process.pid, args }) + '\\n');
const after = args.find((a) => a.startsWith('--after-cursor='))?.slice(15);
const match = {};
for (const a of args.filter((a) => /^[A-Z_]+=/.test(a))) { const [k, v] = a.split(/=(.*)/s); (match[k] ??= []).push(v); }
const ok = (e) => Object.entries(match).every(([k, vs]) => vs.includes(e[k]));
const read = (f) => { try { return fs.readFileSync(path.join(dir, f), 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l)); } catch { return []; } };
let hist = read('history.jsonl');
if (after) hist = hist.slice(hist.findIndex((e) => e.__CURSOR === after) + 1);
else if (args.includes('--lines=0')) hist = [];
for (const e of hist) if (ok(e)) process.stdout.write(JSON.stringify(e) + '\\n');
let seen = after ? (() => { const l = read('live.jsonl'); const i = l.findIndex((e) => e.__CURSOR === after); return i >= 0 ? i + 1 : 0; })() : read('live.jsonl').length;
setInterval(() => { const l = read('live.jsonl'); for (const e of l.slice(seen)) if (ok(e)) process.stdout.write(JSON.stringify(e) + '\\n'); seen = l.length; }, 30);
`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function fakeJournal(): { dir: string; bin: string; calls: () => Array<{ pid: number; args: string[] }> } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-journal-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'journalctl.mjs');
  writeFileSync(bin, FAKE);
  chmodSync(bin, 0o755);
  copyFileSync(FIXTURE, join(dir, 'history.jsonl'));
  const calls = () => readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { dir, bin, calls };
}

/** An in-memory SourceContext that keeps events and checkpoints across source restarts. */
function memoryContext() {
  const events: Event[] = [];
  const cps = new Map<string, string>();
  const warnings: string[] = [];
  const log = { ...createLogger('silent'), warn: (m: string) => { warnings.push(m); } };
  log.child = () => log;
  const ctx: SourceContext = {
    emit(evs, c) { events.push(...evs); for (const [k, v] of Object.entries(c ?? {})) { if (v === null) cps.delete(k); else cps.set(k, v); } },
    checkpoint: (k) => cps.get(k),
    checkpoints: (p) => [...cps].filter(([k]) => k.startsWith(p)),
    room: () => Promise.resolve(),
    log, signal: new AbortController().signal,
  };
  return { ctx, events, cps, warnings };
}
function run(src: Source, ctx: SourceContext): Promise<void> {
  cleanups.push(() => src.stop());
  return src.start(ctx);
}
const AUTHPRIV: JournalEntry = { match: { SYSLOG_FACILITY: ['10'] }, type: 'auth', start_at: 'beginning' };
const fixture = readFileSync(FIXTURE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('journal source', () => {
  it('turns journal entries into syslog-style lines with journal fields and a cursor checkpoint', async () => {
    const j = fakeJournal();
    const m = memoryContext();
    await run(createJournalSource({ ...AUTHPRIV, match: { SYSLOG_FACILITY: ['10', '4'] } }, 0, { bin: j.bin }), m.ctx);
    await until(() => m.events.length === 15, 5000, 'all entries');
    const texts = m.events.map((e) => e.line!.text);
    expect(texts[0]).toBe('2024-11-27T08:00:00.123456+00:00 web-1 sshd[2211]: Server listening on 0.0.0.0 port 22.');
    expect(texts[1]).toBe('2024-11-27T08:00:01.660667+00:00 web-1 sshd[30412]: Invalid user admin from 203.0.113.7 port 51234');
    expect(texts).toContain('2024-11-27T08:00:10.883933+00:00 web-1 sudo[30501]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx');
    expect(texts[13]).toContain('sshd[30700]: Invalid user ad\uFFFDmin from 203.0.113.9 port 40404');
    expect(texts[14]).toMatch(/ssh2#012second line$/);
    expect(m.events[1].line).toMatchObject({ type: 'auth', path: 'journal' });
    expect(m.events[1].line!.fields).toMatchObject({ _HOSTNAME: 'web-1', _PID: '30412', SYSLOG_IDENTIFIER: 'sshd', _SYSTEMD_UNIT: 'ssh.service', __CURSOR: fixture[1].__CURSOR });
    expect(m.cps.get('journal:0')).toBe(fixture[14].__CURSOR);
    expect(j.calls()[0].args).toEqual(['-o', 'json', '--follow', '--no-pager', '--quiet', '--no-tail', 'SYSLOG_FACILITY=10', 'SYSLOG_FACILITY=4']);
  });

  it('passes matches to journalctl (facility 10 only) and resumes after the saved cursor without repeats', async () => {
    const j = fakeJournal();
    const m = memoryContext();
    const first = createJournalSource(AUTHPRIV, 3, { bin: j.bin });
    await first.start(m.ctx);
    const authpriv = fixture.filter((e) => e.SYSLOG_FACILITY === '10');
    await until(() => m.events.length === authpriv.length, 5000, 'authpriv entries');
    await first.stop();
    const cursor = m.cps.get('journal:3')!;
    expect(cursor).toBe(authpriv[authpriv.length - 1].__CURSOR);
    // two new entries arrive while the agent is down
    const fresh = [0, 1].map((i) => ({ ...fixture[4], __CURSOR: `s=new;i=${i}`, _PID: String(40000 + i), SYSLOG_PID: String(40000 + i) }));
    appendFileSync(join(j.dir, 'history.jsonl'), fresh.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await run(createJournalSource(AUTHPRIV, 3, { bin: j.bin }), m.ctx);
    await until(() => m.events.length === authpriv.length + 2, 5000, 'resumed entries');
    expect(j.calls()[1].args).toContain(`--after-cursor=${cursor}`);
    // and it keeps following
    appendFileSync(join(j.dir, 'live.jsonl'), JSON.stringify({ ...fixture[3], __CURSOR: 's=live;i=1' }) + '\n');
    await until(() => m.events.length === authpriv.length + 3, 5000, 'followed entry');
    expect(m.cps.get('journal:3')).toBe('s=live;i=1');
    const cursors = m.events.map((e) => e.line!.fields!.__CURSOR);
    expect(new Set(cursors).size).toBe(cursors.length);
  });

  it('on a full state disk stops journalctl until the outbox has room, then resumes from the cursor once', async () => {
    const j = fakeJournal();
    const m = memoryContext();
    let full = true;
    let refused = 0;
    let free: () => void = () => {};
    const freed = new Promise<void>((r) => { free = r; });
    const ctx: SourceContext = {
      ...m.ctx,
      emit(evs, c) { if (full) { refused++; throw new DiskFullError(); } m.ctx.emit(evs, c); },
      room: () => (full ? freed : Promise.resolve()),
    };
    await run(createJournalSource({ ...AUTHPRIV, match: {} }, 0, { bin: j.bin, restartMs: 10 }), ctx);
    await until(() => refused >= 1, 5000, 'a refused write');
    const first = j.calls()[0].pid;
    await until(() => { try { process.kill(first, 0); return false; } catch { return true; } }, 5000, 'journalctl stopped');
    // with a 10 ms restart delay, a restart loop would have spawned it many times by now
    await new Promise((r) => setTimeout(r, 300));
    expect(j.calls()).toHaveLength(1);
    expect(m.warnings.filter((w) => w.includes('journalctl exited'))).toEqual([]);
    full = false;
    free();
    await until(() => m.events.length === fixture.length, 5000, 'every entry after space frees');
    expect(j.calls()).toHaveLength(2);
    const cursors = m.events.map((e) => e.line!.fields!.__CURSOR);
    expect(new Set(cursors).size).toBe(fixture.length);
    expect(m.cps.get('journal:0')).toBe(fixture[fixture.length - 1].__CURSOR);
  });

  it('starts at the end when asked and there is no cursor', () => {
    expect(journalArgs({ ...AUTHPRIV, start_at: 'end' }, undefined)).toContain('--lines=0');
    expect(journalArgs(AUTHPRIV, 'c1')).toContain('--after-cursor=c1');
  });

  it('warns once and stays idle when journalctl is missing', async () => {
    const m = memoryContext();
    await run(createJournalSource(AUTHPRIV, 0, { bin: '/nonexistent/journalctl' }), m.ctx);
    expect(m.warnings).toHaveLength(1);
    expect(m.warnings[0]).toContain('journalctl not found');
  });

  it('ends journalctl when the agent process is SIGKILLed', async () => {
    const j = fakeJournal();
    const state = mkdtempSync(join(tmpdir(), 'vigil-journal-state-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    const dist = (p: string) => JSON.stringify(new URL(`../dist/${p}`, import.meta.url).href);
    const script = `
      import { Outbox } from ${dist('outbox/outbox.js')};
      import { createSourceContext } from ${dist('outbox/context.js')};
      import { createJournalSource } from ${dist('sources/journal/index.js')};
      import { createLogger } from '@vigil/proto';
      const o = new Outbox(process.argv[1], { maxBytes: 1 << 30 });
      const src = createJournalSource({ match: {}, type: 'auth', start_at: 'beginning' }, 0, { bin: process.argv[2] });
      await src.start(createSourceContext(o, src.name, createLogger('silent'), new AbortController().signal));
      setInterval(() => { if (o.nextSeq > 15) process.stdout.write('ok\\n'); }, 20);`;
    const agent = spawn(process.execPath, ['--input-type=module', '-e', script, state, j.bin],
      { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => agent.stdout.once('data', () => resolve()));
    const pid = j.calls()[0].pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    agent.kill('SIGKILL');
    await until(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 5000, 'journalctl to die');
  });
});
