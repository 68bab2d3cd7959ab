/**
 * Admission and reaping of the client sockets on the collector's port, so that a flood of
 * idle sockets cannot take the file descriptors agents and API clients need. A socket is
 * `pending` from accept until its request (or upgrade) headers arrive; it is then `http`,
 * or `websocket` once upgraded. Over a cap a new socket is destroyed at once (counted and
 * logged at a limited rate); pending sockets are closed after `header_timeout`.
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
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
  headerTimeoutMs: number;
  idleTimeoutMs: number;
}

/** The configured caps, with max_total lowered to fit under the open-files limit. */
export function effectiveLimits(c: ConnectionsConfig, fd: FdLimit | undefined): Limits {
  const room = fd && Number.isFinite(fd.soft) ? Math.max(16, fd.soft - FD_RESERVE) : Infinity;
  const maxTotal = Math.min(c.max_total, room);
  const maxPending = Math.min(c.max_pending ?? Math.floor(c.max_total / 4), Math.floor(maxTotal / 2));
  return {
    maxTotal, maxPending, maxWebsockets: maxTotal - maxPending,
    maxPerAddress: c.max_per_address, maxPendingPerAddress: c.max_pending_per_address,
    headerTimeoutMs: c.header_timeout, idleTimeoutMs: c.idle_timeout,
  };
}

/** The per-address key: an IPv4 address (also when IPv4-mapped), or an IPv6 /64. */
export function addressKey(addr: string): string {
  if (addr.startsWith('::ffff:') && addr.includes('.')) return addr.slice(7);
  if (isIP(addr) !== 6) return addr;
  const b = parseIp(addr);
  return b ? `${Buffer.from(b.subarray(0, 8)).toString('hex')}/64` : addr;
}

type State = 'pending' | 'http' | 'websocket';
interface Conn { socket: Socket; key: string; exempt: boolean; since: number; state: State; released: boolean }
interface Tally { open: number; pending: number }

export class ConnectionGuard {
  private readonly conns = new Map<Socket, Conn>();
  /** Pending sockets, oldest first (insertion order). */
  private readonly pending = new Map<Socket, Conn>();
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
    server.on('request', (req: IncomingMessage) => { this.classify(req.socket, 'http'); });
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
    if (this.conns.size >= l.maxTotal && !this.evictOldestPending('total')) return this.refuse(socket, 'total', addr);
    const key = addressKey(addr);
    const exempt = this.exempt.length > 0 && matchesAny(addr, this.exempt);
    const tally = this.tallies.get(key) ?? { open: 0, pending: 0 };
    if (!exempt && tally.open >= l.maxPerAddress) return this.refuse(socket, 'per_address', addr);
    if (!exempt && tally.pending >= l.maxPendingPerAddress) return this.refuse(socket, 'pending_per_address', addr);
    // A flood from many addresses: its oldest pending socket gives way, so new clients
    // that send their headers promptly still get in.
    if (this.pending.size >= l.maxPending) this.evictOldestPending('pending_total');
    const conn: Conn = { socket, key, exempt, since: this.now(), state: 'pending', released: false };
    tally.open++;
    tally.pending++;
    this.tallies.set(key, tally);
    this.conns.set(socket, conn);
    this.pending.set(socket, conn);
    socket.once('close', () => this.release(conn));
  }

  private classify(socket: Socket, state: 'http' | 'websocket'): boolean {
    // On https the request's socket is the TLS socket over the one admit() saw.
    const raw = (socket as Socket & { _parent?: Socket })._parent ?? socket;
    const conn = this.conns.get(raw);
    if (!conn) return true;
    if (conn.state === 'pending') {
      this.pending.delete(raw);
      this.tallies.get(conn.key)!.pending--;
    }
    if (state === 'websocket' && conn.state !== 'websocket') {
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
    const tally = this.tallies.get(conn.key)!;
    tally.open--;
    if (conn.state === 'pending') { this.pending.delete(conn.socket); tally.pending--; }
    if (tally.open === 0) this.tallies.delete(conn.key);
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
