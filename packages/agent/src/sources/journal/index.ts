/**
 * The journal source: follows the systemd journal with `journalctl -o json --follow` and
 * the config entry's matches, resuming after the cursor checkpointed (key `journal:<index>`)
 * with the events of each emit. journalctl runs under a watchdog so it dies with the agent;
 * when it is missing the source logs one warning and stays idle; when it exits it restarts.
 * A write refused for a full state disk stops journalctl until the outbox has room again,
 * then restarts it at once from the cursor stored (no restart loop while the disk is full).
 */
import type { ChildProcess } from 'node:child_process';
import type { Event } from '@vigil/proto';
import type { JournalEntry } from '../../config/types.js';
import { DiskFullError } from '../../outbox/stall.js';
import type { Source, SourceContext } from '../source.js';
import { journalLine } from './entry.js';
import type { JournalJson } from './entry.js';
import { findExecutable, spawnWatched, stopWatched } from './spawn.js';

export interface JournalOptions {
  /** journalctl binary (name on PATH or a path); default `journalctl`. */
  bin?: string;
  /** First restart delay after journalctl exits (doubles up to 60 s); default 1 s. */
  restartMs?: number;
}

/** The journalctl arguments for an entry, resuming after `cursor` when given. */
export function journalArgs(entry: JournalEntry, cursor: string | undefined): string[] {
  const args = ['-o', 'json', '--follow', '--no-pager', '--quiet'];
  if (cursor) args.push(`--after-cursor=${cursor}`);
  else args.push(entry.start_at === 'end' ? '--lines=0' : '--no-tail');
  for (const [field, values] of Object.entries(entry.match)) {
    for (const v of values) args.push(`${field}=${v}`);
  }
  return args;
}

export function createJournalSource(entry: JournalEntry, index: number, opts: JournalOptions = {}): Source {
  const key = `journal:${index}`;
  let ctx: SourceContext | undefined;
  let child: ChildProcess | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let delay = opts.restartMs ?? 1000;
  let stopped = false;
  let bin: string | undefined;

  function handleLines(lines: string[]): void {
    const c = ctx!;
    const events: Event[] = [];
    let cursor: string | undefined;
    const now = Date.now();
    for (const raw of lines) {
      if (raw.trim() === '') continue;
      let entryJson: JournalJson;
      try {
        entryJson = JSON.parse(raw) as JournalJson;
      } catch {
        c.log.warn('journalctl printed a line that is not JSON; skipped', { line: raw.slice(0, 200) });
        continue;
      }
      if (typeof entryJson.__CURSOR === 'string') cursor = entryJson.__CURSOR;
      const line = journalLine(entryJson, entry.type, now);
      if (line) events.push({ timeMs: now, line });
    }
    if (events.length > 0 || cursor) c.emit(events, cursor ? { [key]: cursor } : undefined);
  }

  function run(): void {
    const c = ctx!;
    const args = journalArgs(entry, c.checkpoint(key));
    const ch = spawnWatched(bin!, args);
    child = ch;
    let carry = '';
    let stderr = '';
    let got = false;
    let refused = false;
    ch.stdout!.setEncoding('utf8');
    ch.stdout!.on('data', (chunk: string) => {
      if (refused) return;
      got = true;
      const parts = (carry + chunk).split('\n');
      carry = parts.pop() ?? '';
      try {
        handleLines(parts);
      } catch (err) {
        refused = err instanceof DiskFullError;
        if (refused) c.log.info('state disk full: journalctl stopped until the outbox has room; it resumes from the stored cursor');
        else c.log.error('journal entries not stored; stopping journalctl', { error: (err as Error).message });
        void stopWatched(ch);
        return;
      }
      ch.stdout!.pause();
      void c.room().then(() => ch.stdout!.resume());
    });
    ch.stderr!.setEncoding('utf8');
    ch.stderr!.on('data', (s: string) => { stderr = (stderr + s).slice(-2000); });
    ch.stdin!.on('error', () => { /* watchdog gone */ });
    ch.on('exit', (code, signal) => {
      if (child === ch) child = undefined;
      if (stopped) return;
      if (refused) {
        delay = opts.restartMs ?? 1000;
        void c.room().then(() => { if (!stopped) run(); });
        return;
      }
      if (got) delay = opts.restartMs ?? 1000;
      c.log.warn('journalctl exited; restarting', { code, signal, stderr: stderr.trim().slice(-500), retry_ms: delay });
      restartTimer = setTimeout(run, delay);
      delay = Math.min(delay * 2, 60_000);
    });
  }

  return {
    name: `journal:${index}`,
    async start(c) {
      ctx = c;
      stopped = false;
      bin = findExecutable(opts.bin ?? 'journalctl');
      if (!bin) {
        c.log.warn('journalctl not found: the journal is not followed (other sources keep running)', { bin: opts.bin ?? 'journalctl' });
        return;
      }
      run();
    },
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (child) await stopWatched(child);
      child = undefined;
    },
  };
}
