/**
 * The file source: discovers files matching the configured paths, tracks each by identity
 * (device + inode + fingerprint), runs one serialized read cycle at a time (triggered by
 * fs.watch or the poll), follows rotations (a rotated-away file is read to its end, then
 * dropped), and at start finishes files rotated while the agent was stopped or before its
 * first scan. What may be opened (symlinks, non-regular files) is safe-open's decision.
 */
import { basename, dirname } from 'node:path';
import type { Logger } from '@vigil/proto';
import { DiskFullError } from '../../outbox/stall.js';
import type { Source, SourceContext } from '../source.js';
import { compileGlob, compileNameGlob, expandGlob, hasGlob, type CompiledGlob } from './glob.js';
import { decodeCheckpoint, idKey, KEY_PREFIX, type Checkpoint } from './identity.js';
import { Notices } from './notices.js';
import { openTailer, type OpenRequest } from './open.js';
import { NotAdmitted, inspect, type ReadPolicy } from './safe-open.js';
import { findById, findCopy, rotatedSince } from './siblings.js';
import type { Tailer, TailerDeps } from './tailer.js';
import { DEFAULT_EXCLUDE, type FileEntry, type ResolvedOptions } from './types.js';
import { DirWatchers } from './watch.js';

const CHUNKS_PER_TURN = 16;
const MIN_SCAN_GAP_MS = 50;

export interface FileSourceStats { linesRead: number; bytesRead: number; linesTruncated: number; filesOpen: number }

export class FileSource implements Source {
  readonly name: string;
  private readonly globs: Array<{ entry: FileEntry; glob: CompiledGlob; exclude: RegExp[]; policy: ReadPolicy }>;
  /** Tailers by the device:inode of the file they hold open. */
  private readonly tailers = new Map<string, Tailer>();
  private readonly counters = { linesRead: 0, bytesRead: 0, linesTruncated: 0 };
  private ctx!: SourceContext;
  private log!: Logger;
  private notices!: Notices;
  private deps!: TailerDeps;
  private watchers: DirWatchers | undefined;
  private stopped = false;
  private stopWake!: () => void;
  private readonly stopSignal = new Promise<void>((r) => { this.stopWake = r; });
  private dirty = false;
  private running: Promise<void> | undefined;
  private lastScan = 0;
  private rescan: NodeJS.Timeout | undefined;

  constructor(entries: FileEntry[], private readonly opts: ResolvedOptions) {
    this.name = 'file:' + entries.map((e) => e.path).join(',');
    this.globs = entries.map((entry) => {
      const glob = compileGlob(entry.path);
      const isGlob = hasGlob(entry.path);
      return {
        entry, glob,
        exclude: isGlob ? (entry.exclude ?? DEFAULT_EXCLUDE).map(compileNameGlob) : [],
        policy: { glob: isGlob, follow: entry.follow_symlinks === true, baseDir: glob.baseDir },
      };
    });
  }

  stats(): FileSourceStats {
    return { ...this.counters, filesOpen: this.tailers.size };
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.log = ctx.log.child({ source: this.name });
    this.notices = new Notices(this.log);
    this.deps = { ctx, log: this.log, opts: this.opts, room: () => this.room(), stats: this.counters };
    const restored = this.restore();
    const known = new Set([...restored.values()].map((cp) => cp.path));
    const firstMet = this.scan(true, restored);
    this.recover(restored);
    const startedAt = this.opts.startedAtMs;
    if (startedAt !== undefined) this.rotatedBeforeFirstScan(firstMet.filter((m) => !known.has(m.path)), startedAt);
    this.watchers = new DirWatchers(() => this.kick(), this.opts.pollMs);
    this.updateWatchers();
    ctx.signal.addEventListener('abort', () => void this.stop(), { once: true });
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopWake();
    this.watchers?.close();
    this.notices?.close();
    clearTimeout(this.rescan);
    await this.running;
    for (const t of this.tailers.values()) t.close();
    this.tailers.clear();
  }

  /** Our checkpoints by key: those whose path one of our entries matches. */
  private restore(): Map<string, Checkpoint> {
    const out = new Map<string, Checkpoint>();
    for (const [key, value] of this.ctx.checkpoints(KEY_PREFIX)) {
      const cp = decodeCheckpoint(value);
      if (!cp) { this.log.warn('ignoring an unreadable file checkpoint', { key }); continue; }
      if (this.globs.some((g) => g.glob.full.test(cp.path))) out.set(key, cp);
    }
    return out;
  }

  private async room(): Promise<boolean> {
    if (this.stopped) return false;
    await Promise.race([this.ctx.room(), this.stopSignal]);
    await new Promise<void>((r) => setImmediate(r));
    return !this.stopped;
  }

  private kick(): void {
    this.dirty = true;
    if (!this.running && !this.stopped) this.running = this.run().finally(() => { this.running = undefined; });
  }

  private async run(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.cycle();
      } catch (e) {
        this.log.error('file source cycle failed', { error: String(e) });
      }
    }
  }

  private async cycle(): Promise<void> {
    const since = Date.now() - this.lastScan;
    if (since >= MIN_SCAN_GAP_MS) {
      this.scan(false);
      this.updateWatchers();
    } else if (!this.rescan && !this.stopped) {
      // bursts of watch events: rescan once the gap has passed, reading meanwhile
      this.rescan = setTimeout(() => { this.rescan = undefined; this.kick(); }, MIN_SCAN_GAP_MS - since);
    }
    for (const [idk, t] of [...this.tailers]) {
      if (this.stopped) return;
      try {
        const r = await t.pump(CHUNKS_PER_TURN);
        if (r === 'more') this.dirty = true;
        if (r === 'eof' && t.detachedAt !== undefined
          && Date.now() - Math.max(t.detachedAt, t.lastActivity) >= this.opts.closeInactiveMs) {
          this.log.debug('closing a rotated-away file read to its end', { path: t.path, location: t.location });
          t.finish();
          this.tailers.delete(idk);
        }
      } catch (e) {
        if (e instanceof DiskFullError && this.rewind(t)) continue;
        this.log.warn('file read failed; will retry from its checkpoint', { path: t.path, error: String(e) });
        t.close();
        this.tailers.delete(idk);
      }
    }
  }

  /**
   * A write of this tailer was refused (state disk full): it stays open (a rotated-away or
   * deleted file is found by no later scan) and reads again from the checkpoint the outbox
   * holds once room() lets it. False when it cannot rewind (then it is closed and reopened).
   */
  private rewind(t: Tailer): boolean {
    try {
      const raw = this.ctx.checkpoint(t.key);
      t.rewind(raw === undefined ? undefined : decodeCheckpoint(raw));
    } catch (e) {
      this.log.warn('cannot rewind a file after a refused write', { path: t.path, error: String(e) });
      return false;
    }
    this.log.info('state disk full: the file will be read again from its checkpoint', { path: t.path, location: t.location });
    this.dirty = true;
    return true;
  }

  /**
   * Matches the configured paths: new files get tailers, vanished ones are marked detached.
   * Returns the paths met without a checkpoint (start_at: beginning) at the initial scan.
   */
  private scan(initial: boolean, restored?: Map<string, Checkpoint>): Array<{ path: string; entry: FileEntry; policy: ReadPolicy }> {
    this.lastScan = Date.now();
    const seen = new Set<string>();
    const busyKeys = new Set([...this.tailers.values()].map((t) => t.key));
    const fresh: Array<{ path: string; entry: FileEntry; policy: ReadPolicy }> = [];
    for (const { entry, glob, exclude, policy } of this.globs) {
      for (const path of expandGlob(glob)) {
        if (exclude.length && exclude.some((x) => x.test(basename(path)))) continue;
        const found = inspect(path, policy);
        if (found === undefined) continue;
        if (found instanceof NotAdmitted) { this.notices.warn(path, 'skipping a file the agent does not read', { path, reason: found.message }); continue; }
        const expect = { dev: found.st.dev.toString(), ino: found.st.ino.toString() };
        const idk = idKey(expect);
        if (seen.has(idk)) continue;
        seen.add(idk);
        const t = this.tailers.get(idk);
        if (t) { t.location = path; t.detachedAt = undefined; continue; }
        const key = KEY_PREFIX + idk;
        if (busyKeys.has(key)) continue; // a rotated copy still finishes under this key
        const raw = restored ? restored.get(key) : this.ctx.checkpoint(key);
        const cp = typeof raw === 'string' ? decodeCheckpoint(raw) : raw;
        restored?.delete(key);
        const atEnd = initial && !cp && entry.start_at === 'end';
        if (this.track({ path, location: path, entry, policy, expect, cp, atEnd }, atEnd) && initial && !cp && !atEnd) {
          fresh.push({ path, entry, policy });
        }
      }
    }
    const now = Date.now();
    for (const [idk, t] of this.tailers) {
      if (!seen.has(idk) && t.detachedAt === undefined) t.detachedAt = now;
    }
    return fresh;
  }

  /**
   * A path first met (no checkpoint of its own) whose newest rotated sibling was renamed or
   * created after the agent started: it rotated between the agent's start and this first
   * scan, so that sibling is read from byte 0 too (and dropped at its end), losing nothing.
   */
  private rotatedBeforeFirstScan(fresh: Array<{ path: string; entry: FileEntry; policy: ReadPolicy }>, startedAt: number): void {
    for (const { path, entry, policy } of fresh) {
      for (const location of rotatedSince(path, startedAt)) {
        if (this.track({ path, location, entry, policy }, false)) {
          this.log.info('reading a file rotated after the agent started, before its first scan', { path, location });
        }
      }
    }
  }

  /** At start: finds files checkpointed under a path that now holds another file. */
  private recover(restored: Map<string, Checkpoint>): void {
    for (const [key, cp] of restored) {
      const { entry, policy } = this.globs.find((g) => g.glob.full.test(cp.path))!;
      const moved = findById(cp.path, cp);
      const tail = cp.tl ? { end: cp.te!, len: cp.tl, hash: cp.th! } : undefined;
      const copy = moved ? undefined : findCopy(cp.path, { fpHash: cp.fp, fpLen: cp.fpLen, minSize: cp.off, tail });
      const location = moved ?? copy;
      if (location && this.track({ path: cp.path, location, entry, policy, cp, key }, false)) {
        this.log.info('finishing a file rotated while the agent was stopped', { path: cp.path, location, offset: cp.off });
        continue;
      }
      this.log.warn('checkpointed file not found; lines it gained after the checkpoint are lost', { path: cp.path, offset: cp.off });
      this.tryEmit(() => this.ctx.emit([], { [key]: null }));
    }
  }

  private track(req: OpenRequest, persist: boolean): boolean {
    let t: Tailer;
    try {
      t = openTailer(req, this.deps);
    } catch (e) {
      if (e instanceof NotAdmitted) this.notices.warn(req.location, 'skipping a file the agent does not read', { path: req.location, reason: e.message });
      else this.notices.warn(req.location, 'cannot open file', { path: req.location, error: String(e) });
      return false;
    }
    this.notices.clear(req.location);
    const idk = idKey(t.id);
    if (this.tailers.has(idk)) { t.close(); return false; }
    if (req.location !== req.path) t.detachedAt = Date.now();
    this.tailers.set(idk, t);
    this.log.info('watching file', { path: req.path, location: req.location, offset: t.offset });
    if (persist) this.tryEmit(() => t.saveCheckpoint());
    return true;
  }

  /** A checkpoint-only write at start: if refused (state disk full), the next start redoes it. */
  private tryEmit(write: () => void): void {
    try { write(); } catch { /* logged by the context */ }
  }

  private updateWatchers(): void {
    const dirs = new Set(this.globs.map((g) => g.glob.baseDir));
    for (const t of this.tailers.values()) if (t.detachedAt === undefined) dirs.add(dirname(t.location));
    this.watchers?.update(dirs);
  }
}
