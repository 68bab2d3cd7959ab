/**
 * Change notification for the file source: fs.watch on the directories that hold (or may
 * hold) matching files, plus a poll timer as the fallback for what inotify misses
 * (network filesystems, directories created later). Both only schedule a scan.
 */
import { watch, type FSWatcher } from 'node:fs';

export class DirWatchers {
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;

  constructor(private readonly onChange: () => void, pollMs: number) {
    this.timer = setInterval(onChange, pollMs);
  }

  /** Watches exactly these directories (missing ones are left to the poll). */
  update(dirs: Set<string>): void {
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) { w.close(); this.watchers.delete(dir); }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.notify());
        w.on('error', () => { w.close(); this.watchers.delete(dir); });
        this.watchers.set(dir, w);
      } catch { /* not there (yet): the poll covers it */ }
    }
  }

  /** Coalesces bursts of watch events into one scan a few milliseconds later. */
  private notify(): void {
    if (this.soon || !this.timer) return;
    this.soon = setTimeout(() => { this.soon = undefined; this.onChange(); }, 5);
  }

  close(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.timer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
