/**
 * Admission and reaping of the client sockets on the collector's port, so that a flood of
 * idle sockets cannot take the file descriptors agents and API clients need. A socket is
 * `pending` from accept until its request (or upgrade) headers arrive; it is then `http`,
 * or `websocket` once upgraded; an `http` socket between requests is idle. When a cap is
 * reached the oldest idle keep-alive socket (of that address for a per-address cap), else
 * (total) the oldest pending socket gives way; with none, the new socket is destroyed at once (counted
 * and logged at a limited rate). Pending sockets are closed after `header_timeout`. A slice
 * of max_total is kept for WebSockets and one (max_pending) for new requests.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { LogLimiter, type Logger } from '@vigil/proto';
import type { Counter, MetricsRegistry } from '../metrics/registry.js';
import { matchesAny, parseIp } from '../rules/cidr.js';
import type { ConnectionsConfig } from './config.js';
import { FD_RESERVE, type FdLimit } from './fd-limit.js';

export interface Limits {
  maxTotal: number;
  maxPerAddress: number;
  maxPending: number;
  maxPendingPerAddress: number;
  /** Upgraded sockets (agents, feeds): the rest of max_total is kept for pending sockets. */
  maxWebsockets: number;
  /** Pending and http sockets together: the rest of max_total is kept for WebSockets. */
  maxHttp: number;
  ipv4Prefix: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
}

/** The configured caps, with max_total lowered to fit under the open-files limit. */
export function effectiveLimits(c: ConnectionsConfig, fd: FdLimit | undefined): Limits {
  const room = fd && Number.isFinite(fd.soft) ? Math.max(16, fd.soft - FD_RESERVE) : Infinity;
  const maxTotal = Math.min(c.max_total, room);
  const maxPending = Math.min(c.max_pending ?? Math.floor(c.max_total / 4), Math.floor(maxTotal / 2));
  const reserve = Math.min(c.websocket_reserve ?? Math.floor(c.max_total / 10), maxTotal - maxPending - 1);
  return {
    maxTotal, maxPending, maxWebsockets: maxTotal - maxPending, maxHttp: maxTotal - Math.max(0, reserve), ipv4Prefix: c.ipv4_prefix,
    maxPerAddress: c.max_per_address, maxPendingPerAddress: c.max_pending_per_address,
    headerTimeoutMs: c.header_timeout, idleTimeoutMs: c.idle_timeout,
  };
}

/**
 * The per-address key: all of loopback (127.0.0.0/8, ::1) is one key, since any local user
 * can bind any of it; an IPv4 address (also when IPv4-mapped) per `ipv4Prefix`; an IPv6 /64.
 */
export function addressKey(addr: string, ipv4Prefix = 32): string {
  const v4 = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  if (v4 === '::1' || v4.startsWith('127.')) return 'loopback';
  const b = parseIp(v4);
  if (!b) return v4;
  if (isIP(v4) === 4) {
    if (ipv4Prefix >= 32) return v4;
    const n = ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) & (ipv4Prefix === 0 ? 0 : (~0 << (32 - ipv4Prefix)));
    return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}/${ipv4Prefix}`;
  }
  return `${Buffer.from(b.subarray(0, 8)).toString('hex')}/64`;
}

/** On https the request's socket is the TLS socket over the one admit() saw. */
const rawSocket = (socket: Socket): Socket => (socket as Socket & { _parent?: Socket })._parent ?? socket;

type State = 'pending' | 'http' | 'websocket';
interface Conn { socket: Socket; key: string; exempt: boolean; since: number; state: State; released: boolean }
interface Tally { open: number; pending: Set<Conn>; idle: Set<Conn> }

export class ConnectionGuard {
  private readonly conns = new Map<Socket, Conn>();
  /** Pending sockets, oldest first (insertion order). */
  private readonly pending = new Map<Socket, Conn>();
  /** Keep-alive http sockets between requests, longest idle first (insertion order). */
  private readonly idle = new Set<Conn>();
  private readonly tallies = new Map<string, Tally>();
  private websockets = 0;
  private readonly refused: Counter;
  private readonly logs: LogLimiter;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(readonly limits: Limits, private readonly exempt: ConnectionsConfig['exempt'], deps: { metrics: MetricsRegistry; log: Logger; now: () => number }) {
    this.now = deps.now;
    this.logs = new LogLimiter(deps.log, 10_000, deps.now);
    this.refused = deps.metrics.counter('vigil_connections_refused_total', 'Client sockets closed by the connection limits, by reason.');
    deps.metrics.gauge('vigil_connections_open', 'Open client sockets by state (pending: no request headers yet).', () => {
      const pending = this.pending.size;
      return [
        { labels: { state: 'pending' }, value: pending },
        { labels: { state: 'http' }, value: this.conns.size - pending - this.websockets },
        { labels: { state: 'websocket' }, value: this.websockets },
      ];
    });
  }

  private readonly now: () => number;

  /** Applies the limits and timeouts to the server (before it listens). */
  attach(server: HttpServer): void {
    const l = this.limits;
    server.headersTimeout = l.headerTimeoutMs;
    server.requestTimeout = Math.max(30_000, l.headerTimeoutMs);
    server.keepAliveTimeout = l.idleTimeoutMs;
    // Raw TCP sockets (before TLS on https): refused ones cost no handshake.
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const conn = this.classify(req.socket, 'http') && this.conns.get(rawSocket(req.socket));
      if (!conn) return;
      this.setIdle(conn, false);
      res.once('finish', () => { if (conn.state === 'http' && !conn.released) this.setIdle(conn, true); });
    });
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, Math.max(50, l.headerTimeoutMs / 4)));
    this.sweeper.unref();
  }

  /** Marks an upgrade request's socket as a WebSocket; false when no room is left for one. */
  upgrade(socket: Socket): boolean {
    return this.classify(socket, 'websocket');
  }

  get open(): number { return this.conns.size; }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.logs.close();
  }

  private admit(socket: Socket): void {
    const addr = socket.remoteAddress;
    if (!addr) { socket.destroy(); return; }
    const l = this.limits;
    const full = this.conns.size >= l.maxTotal || this.conns.size - this.websockets >= l.maxHttp;
    // An idle keep-alive socket gives way first (its client reconnects as it would after
    // idle_timeout); a pending one may be a request in flight.
    if (full && !this.evictIdle(this.idle, 'total') && !this.evictOldestPending('total')) return this.refuse(socket, 'total', addr);
    const key = addressKey(addr, l.ipv4Prefix);
    const exempt = this.exempt.length > 0 && matchesAny(addr, this.exempt);
    const tally = this.tallies.get(key) ?? { open: 0, pending: new Set<Conn>(), idle: new Set<Conn>() };
    // Over an address's cap its longest idle (else oldest pending) socket gives way: the
    // address (all of loopback is one) cannot lock out its own prompt clients.
    if (!exempt && tally.open >= l.maxPerAddress && !this.evictIdle(tally.idle, 'per_address') && !this.evictIdle(tally.pending, 'per_address')) return this.refuse(socket, 'per_address', addr);
    if (!exempt && tally.pending.size >= l.maxPendingPerAddress) this.evictIdle(tally.pending, 'pending_per_address');
    // A flood from many addresses: its oldest pending socket gives way, so new clients
    // that send their headers promptly still get in.
    if (this.pending.size >= l.maxPending) this.evictOldestPending('pending_total');
    const conn: Conn = { socket, key, exempt, since: this.now(), state: 'pending', released: false };
    tally.open++;
    tally.pending.add(conn);
    this.tallies.set(key, tally);
    this.conns.set(socket, conn);
    this.pending.set(socket, conn);
    socket.once('close', () => this.release(conn));
  }

  private classify(socket: Socket, state: 'http' | 'websocket'): boolean {
    const raw = rawSocket(socket);
    const conn = this.conns.get(raw);
    if (!conn) return true;
    if (conn.state === 'pending') {
      this.pending.delete(raw);
      this.tallies.get(conn.key)!.pending.delete(conn);
    }
    if (state === 'websocket' && conn.state !== 'websocket') {
      this.setIdle(conn, false);
      if (this.websockets >= this.limits.maxWebsockets) {
        conn.state = 'http';
        this.count('websockets', conn);
        return false;
      }
      this.websockets++;
    }
    conn.state = state;
    return true;
  }

  private release(conn: Conn): void {
    if (conn.released) return;
    conn.released = true;
    this.conns.delete(conn.socket);
    if (conn.state === 'websocket') this.websockets--;
    this.setIdle(conn, false);
    const tally = this.tallies.get(conn.key)!;
    tally.open--;
    if (conn.state === 'pending') { this.pending.delete(conn.socket); tally.pending.delete(conn); }
    if (tally.open === 0) this.tallies.delete(conn.key);
  }

  private setIdle(conn: Conn, idle: boolean): void {
    const own = this.tallies.get(conn.key)?.idle;
    this.idle.delete(conn);
    own?.delete(conn);
    if (idle) { this.idle.add(conn); own?.add(conn); }
  }

  /** Closes the oldest socket of `set` (idle: between two requests; or pending), counted as `reason`. */
  private evictIdle(set: Set<Conn>, reason: string): boolean {
    const oldest = set.values().next().value as Conn | undefined;
    if (!oldest) return false;
    this.count(set === this.idle || oldest.state === 'http' ? `idle_${reason}` : reason, oldest);
    this.release(oldest);
    oldest.socket.destroy();
    return true;
  }

  private evictOldestPending(reason: string): boolean {
    const oldest = this.pending.values().next().value as Conn | undefined;
    if (!oldest) return false;
    this.count(reason, oldest);
    this.release(oldest);
    oldest.socket.destroy();
    return true;
  }

  /** Closes pending sockets older than header_timeout (oldest first, so it stops early). */
  private sweep(): void {
    const deadline = this.now() - this.limits.headerTimeoutMs;
    for (const conn of this.pending.values()) {
      if (conn.since > deadline) break;
      this.count('header_timeout', conn);
      this.release(conn);
      conn.socket.destroy();
    }
  }

  private refuse(socket: Socket, reason: string, addr: string): void {
    this.refused.inc({ reason });
    this.logs.warn(reason, 'connection refused', { reason, address: addr });
    socket.destroy();
  }

  private count(reason: string, conn: Conn): void {
    this.refused.inc({ reason });
    this.logs.warn(reason, 'connection closed', { reason, address: conn.socket.remoteAddress });
  }
}
