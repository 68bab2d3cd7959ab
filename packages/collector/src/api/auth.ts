/**
 * Bearer-token authentication for everything that listens: API requests need an api
 * token (viewer reads, admin also acts), agent upgrades need an agent token bound to
 * the X-Vigil-Agent name. Failures are throttled per address (delayed 401s; while too many
 * of them wait, every attempt from that address is refused 401 with Retry-After before its
 * token is checked, a valid one too). Only an accepted token's last use is recorded. `authenticate(req, role)`
 * works on any request the collector routed (fastify routes and module WebSocket
 * upgrades alike), so modules such as the feed reuse it.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { TokenIdentity, TokenStore } from '../store/tokens.js';
import { allows, type Role } from './roles.js';
import type { FailureThrottle } from './throttle.js';
import { addressKey } from '../connections/guard.js';

export type AuthResult =
  | { ok: true; identity: TokenIdentity }
  | { ok: false; status: 401 | 403; error: string; retryAfterS?: number };

const AUTHENTICATOR = Symbol('vigil.authenticator');
type Tagged = IncomingMessage & { [AUTHENTICATOR]?: Authenticator };

const bearer = (h: string | string[] | undefined): string | undefined => {
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : undefined;
};
const CAPPED = 'too many failed attempts from this address; retry later';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Authenticator {
  constructor(private readonly tokens: TokenStore, private readonly throttle: FailureThrottle, private readonly now: () => number) {}

  /** Lets authenticate(req, role) find this authenticator later. */
  tag(req: IncomingMessage): void { (req as Tagged)[AUTHENTICATOR] = this; }

  /** The throttle's key for a request: its address as the connection caps see it. */
  private static key(req: IncomingMessage): string { return addressKey(req.socket.remoteAddress ?? 'unknown'); }

  /** Refuses, unchecked, an attempt from an address whose refusals fill its waiting slots. */
  private saturated(addr: string): AuthResult | undefined {
    const retryAfterS = this.throttle.saturated(addr);
    return retryAfterS === undefined ? undefined : { ok: false, status: 401, error: CAPPED, retryAfterS };
  }

  private async refuse(addr: string, error: string): Promise<AuthResult> {
    const delay = this.throttle.fail(addr);
    if (delay > 0) {
      if (!this.throttle.hold(addr)) {
        return { ok: false, status: 401, error: CAPPED, retryAfterS: Math.ceil(delay / 1000) };
      }
      try { await sleep(delay); } finally { this.throttle.release(addr); }
    }
    return { ok: false, status: 401, error };
  }

  private accept(id: TokenIdentity): AuthResult {
    void this.tokens.used(id.id, this.now()); // sent, not awaited: never slows authentication (failures are logged)
    return { ok: true, identity: id };
  }

  async api(req: IncomingMessage, role: Role): Promise<AuthResult> {
    const addr = Authenticator.key(req);
    const capped = this.saturated(addr);
    if (capped) return capped;
    const token = bearer(req.headers.authorization);
    if (!token) return this.refuse(addr, 'missing bearer token');
    const id = this.tokens.verify(token);
    if (!id || id.kind !== 'api') return this.refuse(addr, 'invalid or revoked token');
    if (!allows(id.role, role)) return { ok: false, status: 403, error: 'this action needs an admin token' };
    return this.accept(id);
  }

  async agent(req: IncomingMessage): Promise<AuthResult> {
    const addr = Authenticator.key(req);
    const capped = this.saturated(addr);
    if (capped) return capped;
    const token = bearer(req.headers.authorization);
    const name = req.headers['x-vigil-agent'];
    if (!token) return this.refuse(addr, 'missing bearer token');
    if (typeof name !== 'string' || name === '') return this.refuse(addr, 'missing X-Vigil-Agent header');
    const id = this.tokens.verify(token);
    if (!id || id.kind !== 'agent') return this.refuse(addr, 'invalid or revoked token');
    if (id.name !== name) return this.refuse(addr, 'token is bound to another agent name');
    return this.accept(id);
  }
}

/**
 * Authenticates an API request or a WebSocket upgrade routed by the collector:
 * 'viewer' accepts any api token, 'admin' only admin ones.
 */
export function authenticate(req: IncomingMessage | FastifyRequest, role: Role): Promise<AuthResult> {
  const raw = ('raw' in req ? req.raw : req) as Tagged;
  const auth = raw[AUTHENTICATOR];
  if (!auth) return Promise.resolve({ ok: false, status: 401, error: 'request was not routed by the collector' });
  return auth.api(raw, role);
}

/** Answers an upgrade request with an HTTP error and closes the socket (no upgrade). */
export function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404 | 429 | 503, error: string, retryAfterS?: number): void {
  const body = JSON.stringify({ error });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status];
  if (!socket.writable) { socket.destroy(); return; }
  const retry = retryAfterS !== undefined ? `Retry-After: ${retryAfterS}\r\n` : '';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`);
}
