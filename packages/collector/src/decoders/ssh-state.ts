/**
 * Per-stream sshd connection state (host + sshd pid), bounded: remembers where each
 * connection came from so address-less lines inherit it, and sets vigil.attempts by the
 * attempt model of ruleset/decoders/README.md ("Counting attempts"): each `Failed <method>`
 * is one try; `Invalid user` and lines written before sshd's own report (echo) open one that
 * the connection's first Failed line completes; restating lines count only for a connection
 * that left no other trace.
 */
import type { EcsFields } from '../model.js';
import type { SourceScratch } from './applier.js';
import { Generations } from './generations.js';
import type { SshRole } from './ruleset.js';

interface Conn {
  ip: string | undefined;
  address: string | undefined;
  port: number | undefined;
  /** An authentication line (any role but close) was seen. */
  auth: boolean;
  /** An announced attempt is counted; the first real Failed line completes it (adds none). */
  open: boolean;
  /** An echo line with only a host name, nothing counted yet: the next attempt or end line counts it. */
  pending: boolean;
  /** The connection ended (or restated its end): a further attempt is a new connection. */
  closed: boolean;
  /** It ended (close line, e.g. the client's `Bye Bye`) before any attempt: its restating lines are a probe's. */
  quiet: boolean;
  /** Attempts decided while the connection had no address, carried to its first line with one. */
  owed: number;
  /** Attempts emitted in vigil.attempts so far. */
  counted: number;
  lastMs: number;
}

/** A pid seen again after this long is a new connection (pids get reused). */
const STALE_MS = 10 * 60_000;

export type ConnKey = string | number;

function fresh(tsMs: number): Conn {
  return { ip: undefined, address: undefined, port: undefined, auth: false, open: false, pending: false, closed: false, quiet: false, owed: 0, counted: 0, lastMs: tsMs };
}

export class SshConnections {
  private readonly conns: Generations<ConnKey, Conn>;

  constructor(max = 4096) { this.conns = new Generations(max); }

  /**
   * Inherit or remember the source, and set vigil.attempts on lines with a role (and on a
   * role-less line that carries an attempt owed to the connection). `src` is the source the
   * line itself carries (as its pattern wrote it into `ev`), `tries` its repeat count.
   */
  apply(key: ConnKey, ev: EcsFields, src: SourceScratch, role: SshRole | undefined, tries: number, tsMs: number): void {
    let c = this.conns.get(key);
    if (c !== undefined && this.isNewConnection(c, src, role, tsMs)) c = undefined;
    if (c === undefined) {
      c = fresh(tsMs);
      this.conns.set(key, c);
    }
    if (Number.isFinite(tsMs)) c.lastMs = tsMs;
    inherit(c, ev, src);
    if (role === undefined && c.owed === 0) return;

    let n = 0;
    const nothingYet = c.counted === 0 && c.owed === 0;
    switch (role) {
      case 'attempt':
        n = tries;
        if (c.open) { n--; c.open = false; }
        c.pending = false;
        break;
      case 'announce':
        n = 1; c.open = true; c.pending = false;
        break;
      case 'echo':
        // Written before sshd's own line for the same try: counted here (so a connection
        // that never gets that line still counts), and the Failed line then completes it.
        // With only a host name known it waits for the IP the Failed line brings.
        if (!nothingYet) break;
        if (c.ip === undefined && c.address !== undefined) c.pending = true;
        else { n = 1; c.open = true; }
        break;
      case 'restate':
        if (nothingYet && !c.quiet) { n = 1; c.pending = false; }
        c.closed = true;
        break;
      case 'close':
        // hydra's method probe: `Received disconnect ...: 11: Bye Bye` then `Disconnected from
        // authenticating user`: no credential was sent, so the restating line counts none.
        if (c.pending && nothingYet) n = 1;
        else if (nothingYet && !c.closed) c.quiet = true;
        c.pending = false; c.closed = true;
        break;
      default: // probe, or a role-less line carrying an owed attempt
        break;
    }
    if (role !== undefined && role !== 'close') c.auth = true;
    if (c.ip === undefined && c.address === undefined) {
      c.owed += n; n = 0; // no source to count it on yet
    } else if (c.owed > 0) {
      n += c.owed; c.owed = 0;
    }
    c.counted += n;
    if ((role !== undefined && role !== 'close') || n > 0) ev['vigil.attempts'] = n;
  }

  /**
   * Whether the line starts a new connection on a known key: the pid was silent too long,
   * the line names another peer, a second `Invalid user`/`not allowed` (sshd never changes
   * the user within a connection), or an attempt after the connection's end.
   */
  private isNewConnection(c: Conn, src: SourceScratch, role: SshRole | undefined, tsMs: number): boolean {
    if (Number.isFinite(tsMs) && Math.abs(tsMs - c.lastMs) > STALE_MS) return true;
    if (src.ip !== undefined && c.ip !== undefined && src.ip !== c.ip) return true;
    if (src.port !== undefined && c.port !== undefined && src.port !== c.port) return true;
    if (role === 'announce') return c.auth;
    return c.closed && (role === 'attempt' || role === 'probe' || role === 'echo');
  }
}

/** The line's own source updates the connection's; an address-less line inherits it. */
function inherit(c: Conn, ev: EcsFields, src: SourceScratch): void {
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
}
