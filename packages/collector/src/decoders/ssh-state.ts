/**
 * Per-stream sshd connection state (host + sshd pid), bounded: remembers where each
 * connection came from so address-less lines inherit it, and sets vigil.attempts by the
 * attempt model of ruleset/decoders/README.md ("Counting attempts"): each `Failed <method>`
 * is one try; `Invalid user` and lines written before sshd's own report (echo) open one that
 * the connection's first Failed line completes; restating lines count only for a connection
 * that left no other trace. Debian's sshd forks a PAM child whose copy carries the child's
 * pid: a line on another pid from the same IP and user within seconds is the same try
 * (Credits below), so each try counts once.
 */
import type { EcsFields } from '../model.js';
import type { SourceScratch } from './types.js';
import { Generations } from './generations.js';
import type { SshRole } from './types.js';

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
  /** Its only line so far is the echo that opened its try (a forked PAM child's copy). */
  lone: boolean;
  lastMs: number;
}

/** A pid (or a local program's group) seen again after this long starts afresh (pids get reused). */
export const STALE_MS = 10 * 60_000;
/** How long an opened attempt can be echoed or reported on another pid (PAM's delay is ~2 s). */
export const ECHO_WINDOW_MS = 10_000;
const MAX_CREDITS_PER_IP = 8;

/** An attempt counted on `conn` and still open: the same try may show on another pid. */
interface Credit { conn: Conn; user: string | undefined; ms: number }

export type ConnKey = string | number;

function fresh(tsMs: number): Conn {
  return { ip: undefined, address: undefined, port: undefined, auth: false, open: false, pending: false, closed: false, quiet: false, owed: 0, counted: 0, lone: false, lastMs: tsMs };
}

export class SshConnections {
  private readonly conns: Generations<ConnKey, Conn>;
  /** Open attempts per source IP, oldest first (at most MAX_CREDITS_PER_IP each). */
  private readonly credits: Generations<string, Credit[]>;

  constructor(max = 4096) {
    this.conns = new Generations(max);
    this.credits = new Generations(max >> 2);
  }

  /**
   * Inherit or remember the source, and set vigil.attempts on lines with a role (and on a
   * role-less line that carries an attempt owed to the connection). `src` is the source the
   * line itself carries (as its pattern wrote it into `ev`), `tries` its repeat count.
   */
  apply(key: ConnKey, ev: EcsFields, src: SourceScratch, role: SshRole | undefined, tries: number, tsMs: number): void {
    let c = this.conns.get(key);
    if (c !== undefined && this.isNewConnection(c, src, role, tsMs)) c = undefined;
    const created = c === undefined;
    if (c === undefined) {
      c = fresh(tsMs);
      this.conns.set(key, c);
    }
    if (Number.isFinite(tsMs)) c.lastMs = tsMs;
    if (!created) c.lone = false;
    inherit(c, ev, src);
    if (role === undefined && c.owed === 0) return;

    let n = 0;
    let cr: Credit | undefined;
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
        // A fresh pid echoing a try open on another pid: 0. When that other pid is a lone PAM
        // child's copy and this is the connection's own `error: PAM` (Debian forks for PAM;
        // a second PAM copy is rather a parallel connection of the same IP and user),
        // the try moves here, open: the next child's copy counts anew, and this connection's
        // Failed line (sshd may write none) completes it.
        else if (created && (cr = this.credit(c, ev, tsMs)) !== undefined) {
          if (cr.conn.lone && !isPamCopy(ev)) { cr.conn.open = false; c.open = true; }
        } else { n = 1; c.open = true; c.lone = created; }
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
    if (n > 0 && c.ip !== undefined) n = this.settle(c, ev, role, n, tsMs);
    if (c.ip === undefined && c.address === undefined) {
      c.owed += n; n = 0; // no source to count it on yet
    } else if (c.owed > 0) {
      n += c.owed; c.owed = 0;
    }
    c.counted += n;
    if ((role !== undefined && role !== 'close') || n > 0) ev['vigil.attempts'] = n;
  }

  /**
   * A try counted on this line: when another pid of the IP holds an open attempt of the same
   * user and port, if known (the PAM child's copy, or a connection's own echo), this line reports that try, so it
   * adds one less and that attempt is closed (its own Failed line then counts anew). An
   * attempt this line opens becomes such a credit. Returns the count to emit.
   */
  private settle(c: Conn, ev: EcsFields, role: SshRole | undefined, n: number, tsMs: number): number {
    if (role === 'attempt' || role === 'echo' || role === 'restate') {
      const cr = this.credit(c, ev, tsMs);
      if (cr !== undefined) {
        cr.conn.open = false;
        c.counted += 1;
        return n - 1;
      }
    }
    if (c.open && (role === 'announce' || role === 'echo')) {
      const ip = c.ip!;
      let list = this.credits.get(ip);
      if (list === undefined) { list = []; this.credits.set(ip, list); }
      list.push({ conn: c, user: userOf(ev), ms: tsMs });
      if (list.length > MAX_CREDITS_PER_IP) list.shift();
    }
    return n;
  }

  /** The oldest live credit of `c`'s IP on another connection, same user, within the window; dead ones are dropped. */
  private credit(c: Conn, ev: EcsFields, tsMs: number): Credit | undefined {
    const list = this.credits.get(c.ip!);
    if (list === undefined) return undefined;
    const user = userOf(ev);
    for (let i = 0; i < list.length; i++) {
      const cr = list[i];
      const late = Number.isFinite(tsMs) && Number.isFinite(cr.ms) && tsMs - cr.ms > ECHO_WINDOW_MS;
      if (!cr.conn.open || late || cr.conn === c) { list.splice(i--, 1); continue; }
      const port = cr.conn.port === undefined || c.port === undefined || cr.conn.port === c.port;
      if (port && (cr.user === undefined || user === undefined || cr.user === user)) return cr;
    }
    return undefined;
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

/** A PAM module's own copy (pam_unix & co. under sshd), as opposed to sshd's `error: PAM` report. */
function isPamCopy(ev: EcsFields): boolean {
  const d = ev['vigil.decoder'];
  return typeof d === 'string' && (d.startsWith('sshd/pam-auth-failure') || d.startsWith('pam/'));
}

function userOf(ev: EcsFields): string | undefined {
  const u = ev['user.name'];
  return typeof u === 'string' ? u : undefined;
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
