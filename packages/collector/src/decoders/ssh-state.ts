/**
 * Per-stream sshd connection state (host + sshd pid), LRU-bounded: remembers where each
 * connection came from so address-less lines inherit it, and counts authentication
 * attempts so that restating lines do not count again. Invariant per connection:
 * attempts counted = max(attempt lines incl. repeats, 1 if any failure trace at all).
 * See ruleset/decoders/README.md for the rule in words.
 */
import type { EcsFields } from '../model.js';
import type { SshRole } from './ruleset.js';

interface Conn {
  ip?: string;
  address?: string;
  port?: number;
  /** Attempts reported by attempt lines (`Failed ...`, repeats). */
  reported: number;
  /** Attempts counted (emitted in vigil.attempts) so far. */
  counted: number;
  lastMs: number;
}

/** A pid seen again after this long is a new connection (pids get reused). */
const STALE_MS = 10 * 60_000;

export class SshConnections {
  private readonly conns = new Map<string, Conn>();
  private lastKey = '';

  constructor(private readonly max = 4096) {}

  /** Inherit or remember the source, and set vigil.attempts on failure events. */
  apply(key: string, ev: EcsFields, role: SshRole | undefined, repeat: number, tsMs: number): void {
    let c = this.conns.get(key);
    if (c && Number.isFinite(tsMs) && Math.abs(tsMs - c.lastMs) > STALE_MS) c = undefined;
    if (!c) {
      c = { reported: 0, counted: 0, lastMs: tsMs };
      this.conns.delete(key);
      this.conns.set(key, c);
      if (this.conns.size > this.max) this.conns.delete(this.conns.keys().next().value as string);
    } else if (key !== this.lastKey) {
      this.conns.delete(key); // refresh its LRU position (consecutive lines of one connection skip this)
      this.conns.set(key, c);
    }
    this.lastKey = key;
    if (Number.isFinite(tsMs)) c.lastMs = tsMs;

    const ip = ev['source.ip'] as string | undefined;
    if (ip !== undefined) {
      c.ip = ip; c.address = ev['source.address'] as string;
      if (ev['source.port'] !== undefined) c.port = ev['source.port'] as number;
    } else if (c.ip !== undefined) {
      // The address-less (or host-name-only) line belongs to the connection we know.
      ev['source.ip'] = c.ip;
      if (ev['source.address'] === undefined) ev['source.address'] = c.address;
      if (ev['source.port'] === undefined && c.port !== undefined) ev['source.port'] = c.port;
    } else if (ev['source.address'] !== undefined && c.address === undefined) {
      c.address = ev['source.address'] as string;
    } else if (c.address !== undefined && ev['source.address'] === undefined) {
      ev['source.address'] = c.address;
    }

    if (ev['event.outcome'] !== 'failure' || role === undefined) return;
    let n: number;
    if (role === 'attempt') {
      c.reported += repeat;
      n = Math.max(0, c.reported - c.counted);
    } else {
      n = c.counted === 0 ? 1 : 0;
    }
    c.counted += n;
    ev['vigil.attempts'] = n;
  }
}
