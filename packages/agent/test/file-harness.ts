/**
 * Test support for the file source tests: an in-memory SourceContext that records events
 * and checkpoints (and can hold back room() to exercise backpressure), a writer child
 * process, and checks that every written line arrived exactly once, in order per file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type DataLoss, type Event, type LogLine, type Logger } from '@vigil/proto';
import { afterEach, expect } from 'vitest';
import { createFileSource, type FileEntry, type FileSourceHandle, type FileSourceOptions } from '../src/sources/file/index.js';
import type { SourceContext } from '../src/sources/source.js';

export class MemoryContext implements SourceContext {
  readonly events: Event[] = [];
  readonly saved = new Map<string, string>();
  emits = 0;
  /** When set, room() waits while at least this many events were emitted. */
  roomLimit: number | undefined;
  private waiters: Array<() => void> = [];
  /** Every message logged through this context (also when the output is silent). */
  readonly logged: Array<{ level: string; msg: string; extra: Record<string, unknown> }> = [];
  readonly log: Logger = recording(createLogger((process.env.VIGIL_LOG as 'debug') || 'silent'), this.logged, {});
  readonly signal = new AbortController().signal;

  emit(events: Event[], checkpoints?: Record<string, string | null>): void {
    this.emits++;
    this.events.push(...events);
    for (const [k, v] of Object.entries(checkpoints ?? {})) {
      if (v === null) this.saved.delete(k); else this.saved.set(k, v);
    }
  }
  checkpoint(key: string): string | undefined { return this.saved.get(key); }
  checkpoints(prefix: string): Array<[string, string]> {
    return [...this.saved].filter(([k]) => k.startsWith(prefix));
  }
  room(): Promise<void> {
    if (this.roomLimit === undefined || this.events.length < this.roomLimit) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
  release(): void {
    this.roomLimit = undefined;
    for (const w of this.waiters.splice(0)) w();
  }
  lines(): LogLine[] { return this.events.filter((e) => e.line).map((e) => e.line!); }
  losses(): DataLoss[] { return this.events.filter((e) => e.loss).map((e) => e.loss!); }
}

function recording(inner: Logger, into: MemoryContext['logged'], bindings: Record<string, unknown>): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, extra?: Record<string, unknown>) => {
    into.push({ level, msg, extra: { ...bindings, ...extra } });
    inner[level](msg, extra);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (b) => recording(inner.child(b), into, { ...bindings, ...b }) };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-file-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function waitFor(pred: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Per test file (call at its top level): what a test registers is undone after it, last
 * first, also when it fails: temp dirs, started sources.
 */
export function cleanupAfterEach() {
  let list: Array<() => unknown> = [];
  afterEach(async () => { for (const c of list.splice(0).reverse()) await c(); });
  const defer = (c: () => unknown) => { list.push(c); };
  return {
    defer,
    /** A fresh temp dir, removed after the test. */
    dir(): string { const t = tempDir(); defer(t.cleanup); return t.dir; },
    /** Starts a file source on ctx, stopped after the test. */
    async start(ctx: MemoryContext, entries: FileEntry[], opts?: FileSourceOptions): Promise<FileSourceHandle> {
      const src = createFileSource(entries, opts);
      await src.start(ctx);
      defer(() => src.stop());
      return src;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const WRITER = fileURLToPath(new URL('./file-writer.mjs', import.meta.url));

export interface WriterArgs { path: string; count: number; kind?: string; rotateAt?: number; tail?: number; batch?: number }

export function startWriter(args: WriterArgs): { child: ChildProcess; done: Promise<void> } {
  const child = spawn(process.execPath, [WRITER, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
  });
  return { child, done };
}

const MARK = /#g(\d+)-s(\d+)$/;

/**
 * Every seq in `seqs` arrived exactly once; within a generation (one physical file) in
 * increasing order with increasing offsets; and where the file still exists, each line's
 * offset points at its text there.
 */
export function expectExactlyOnce(lines: LogLine[], seqs: number[], files: Record<number, string | undefined> = {}): void {
  const count = new Map<number, number>();
  const last = new Map<number, { seq: number; off: number }>();
  const contents = new Map<number, Buffer>();
  for (const l of lines) {
    const m = MARK.exec(l.text);
    expect(m, `unexpected line ${JSON.stringify(l.text)}`).not.toBeNull();
    const g = Number(m![1]);
    const s = Number(m![2]);
    count.set(s, (count.get(s) ?? 0) + 1);
    const prev = last.get(g);
    if (prev) {
      expect(s, `order in gen ${g}`).toBeGreaterThan(prev.seq);
      expect(l.offset!, `offsets in gen ${g}`).toBeGreaterThan(prev.off);
    }
    last.set(g, { seq: s, off: l.offset! });
    const f = files[g];
    if (f) {
      if (!contents.has(g)) contents.set(g, readFileSync(f));
      const at = contents.get(g)!.toString('utf8', l.offset!, l.offset! + Buffer.byteLength(l.text));
      expect(at).toBe(l.text);
    }
  }
  const dup = [...count].filter(([, n]) => n > 1).map(([s]) => s);
  expect(dup, 'lines emitted more than once').toEqual([]);
  const missing = seqs.filter((s) => !count.has(s));
  expect(missing, 'lines never emitted').toEqual([]);
  expect(count.size).toBe(seqs.length);
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
