/**
 * Per-stream sshd connection state (host + sshd pid), bounded: remembers where each
 * connection came from so address-less lines inherit it, and counts authentication
 * attempts so that restating lines do not count again. Invariant per connection:
 * attempts counted = max(attempt lines incl. repeats, 1 if any failure trace at all),
 * counted against the IP once one is known. See ruleset/decoders/README.md.
 */
import type { EcsFields } from '../model.js';
import type { SourceScratch } from './applier.js';
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

export type ConnKey = string | number;

/**
 * Bounded by two generations of max/2 connections each: new and touched connections go to
 * the young one; when it is full it becomes the old one and the previous old one is
 * dropped. So every connection touched within the last max/2 new ones is remembered, at
 * O(1) per line (no LRU reordering, no sweeps over a Map's deleted slots).
 */
export class SshConnections {
  private young = new Map<ConnKey, Conn>();
  private old = new Map<ConnKey, Conn>();
  private readonly half: number;

  constructor(max = 4096) { this.half = Math.max(1, max >> 1); }

  /**
   * Inherit or remember the source, and set vigil.attempts on failure events. `src` is
   * the source the line itself carries (as its pattern wrote it into `ev`), `failure`
   * whether event.outcome is 'failure'.
   */
  apply(key: ConnKey, ev: EcsFields, src: SourceScratch, role: SshRole | undefined, failure: boolean, repeat: number, tsMs: number): void {
    let c = this.young.get(key);
    if (c === undefined) {
      c = this.old.get(key);
      if (c !== undefined) { this.old.delete(key); this.keep(key, c); }
    }
    if (c !== undefined && Number.isFinite(tsMs) && Math.abs(tsMs - c.lastMs) > STALE_MS) c = undefined;
    if (c === undefined) {
      c = { ip: undefined, address: undefined, port: undefined, reported: 0, counted: 0, lastMs: tsMs };
      this.keep(key, c);
    }
    if (Number.isFinite(tsMs)) c.lastMs = tsMs;

    const ip = src.ip;
    if (ip !== undefined) {
      c.ip = ip; c.address = src.address;
      if (src.port !== undefined) c.port = src.port;
    } else if (c.ip !== undefined) {
      // The address-less (or host-name-only) line belongs to the connection we know.
      ev['source.ip'] = c.ip;
      if (src.address === undefined) ev['source.address'] = c.address;
      if (src.port === undefined && c.port !== undefined) ev['source.port'] = c.port;
    } else if (src.address !== undefined && c.address === undefined) {
      c.address = src.address;
    } else if (c.address !== undefined && src.address === undefined) {
      ev['source.address'] = c.address;
    }

    if (role === undefined || !failure) return;
    let n: number;
    if (role === 'attempt') {
      c.reported += repeat;
      n = c.reported > c.counted ? c.reported - c.counted : 0;
    } else if (role === 'echo' && c.ip === undefined) {
      // PAM's copy inside sshd, before sshd reports the attempt with the address: the
      // attempt stays pending (counted stays 0) for the connection's next failure line.
      n = 0;
    } else {
      n = c.counted === 0 ? 1 : 0;
    }
    c.counted += n;
    ev['vigil.attempts'] = n;
  }

  /** Files `c` under `key` in the young generation, rotating generations when it is full. */
  private keep(key: ConnKey, c: Conn): void {
    this.young.set(key, c);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}
