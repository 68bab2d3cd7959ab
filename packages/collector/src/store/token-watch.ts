/**
 * Notices token revocations made by any process sharing the database (the CLI included)
 * by polling the tokens revision row, cheaply, a few times a second; when it moves,
 * every watched token still in use is re-checked and the holders of revoked ones are
 * told, so they can close their connections within about a second.
 */
import type { TokenStore } from './tokens.js';

export class TokenWatch {
  private readonly watchers = new Map<string, Set<() => void>>();
  private rev: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tokens: TokenStore, intervalMs = 250) {
    this.rev = tokens.revision();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  /** Calls onRevoked once if token `id` gets revoked; returns an unsubscribe function. */
  watch(id: string, onRevoked: () => void): () => void {
    let set = this.watchers.get(id);
    if (!set) { set = new Set(); this.watchers.set(id, set); }
    set.add(onRevoked);
    return () => {
      const s = this.watchers.get(id);
      if (!s) return;
      s.delete(onRevoked);
      if (s.size === 0) this.watchers.delete(id);
    };
  }

  poll(): void {
    let now: number;
    try { now = this.tokens.revision(); } catch { return; } // busy or closing: next tick
    if (now === this.rev) return;
    this.rev = now;
    for (const [id, set] of [...this.watchers]) {
      if (this.tokens.isActive(id)) continue;
      this.watchers.delete(id);
      for (const cb of set) cb();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watchers.clear();
  }
}
