/**
 * Tokens for agents (bound to one agent name) and for the API (role viewer or admin).
 * A token is `vgl_<id>_<secret>`: the id finds the row, the secret is kept only as its
 * SHA-256 hash and compared in constant time. Revocation is a timestamp; a revision row
 * bumped by triggers lets a running collector see CLI changes at once (see revision()).
 * Writes are commands of the write queue (token-writes.ts); reads use the read connection.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@vigil/proto';
import type { DB } from './db.js';
import type { Role } from '../api/roles.js';
import type { WriteQueue } from './writer/queue.js';
import type { TokenKind } from './token-writes.js';

export type { TokenKind } from './token-writes.js';

export interface TokenInfo {
  id: string;
  name: string;
  kind: TokenKind;
  role: Role | null;
  created: string;
  last_used: string | null;
  revoked: string | null;
}

export interface TokenIdentity { id: string; name: string; kind: TokenKind; role: Role | null }

export interface TokenStore {
  /** Stores a new token (its hash only) and returns it: the only time it is seen whole. */
  create(kind: TokenKind, name: string, role?: Role): Promise<string>;
  /** The active token matching this secret, or undefined. Records nothing. */
  verify(token: string): TokenIdentity | undefined;
  /**
   * Records that token `id` was accepted (coarsely: at most once a minute). Sent, not to be
   * awaited by authentication: it never rejects (a failure is logged; last use is advisory).
   */
  used(id: string, nowMs: number): Promise<void>;
  isActive(id: string): boolean;
  list(): TokenInfo[];
  /** Revokes every active token with this name; returns how many. */
  revoke(name: string, nowMs: number): Promise<number>;
  /** Changes whenever a token is created or revoked, by this process or another. */
  revision(): number;
}

interface TokenRow { id: string; name: string; kind: TokenKind; role: Role | null; hash: Buffer; created: number; last_used: number | null; revoked: number | null }

const TOKEN_RE = /^vgl_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_GRANULARITY_MS = 60_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest();
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface TokenStoreOptions {
  /** The clock of new tokens' creation time (the injected one). */
  now: () => number;
  /** Where a failed last-use mark is reported. */
  log?: Logger;
}

export function createTokenStore(writer: WriteQueue, reader: DB, opts: TokenStoreOptions): TokenStore {
  const byId = reader.prepare('SELECT * FROM tokens WHERE id = ? AND revoked IS NULL');
  const all = reader.prepare('SELECT * FROM tokens ORDER BY created, id');
  const rev = reader.prepare("SELECT rev FROM revisions WHERE name = 'tokens'").pluck();
  const lastTouched = new Map<string, number>();

  return {
    async create(kind, name, role) {
      const id = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const hash = sha256(secret).toString('hex');
      await writer.run('tokens.create', { id, name, kind, role: kind === 'api' ? (role ?? 'viewer') : null, hash, now: opts.now() });
      return `vgl_${id}_${secret}`;
    },
    verify(token) {
      const m = TOKEN_RE.exec(token);
      if (!m) return undefined;
      const row = byId.get(m[1]) as TokenRow | undefined;
      // Hash even when the id is unknown, so timing tells nothing about which ids exist.
      const presented = sha256(m[2]);
      const expected = row ? row.hash : Buffer.alloc(32);
      if (!timingSafeEqual(presented, expected) || !row) return undefined;
      return { id: row.id, name: row.name, kind: row.kind, role: row.role };
    },
    async used(id, now) {
      if (now - (lastTouched.get(id) ?? 0) < LAST_USED_GRANULARITY_MS) return;
      lastTouched.set(id, now);
      try { await writer.run('tokens.used', { id, now }); } catch (err) {
        opts.log?.warn('token last use not recorded', { id, error: (err as Error).message });
      }
    },
    isActive(id) { return byId.get(id) !== undefined; },
    list() {
      return (all.all() as TokenRow[]).map((r) => ({
        id: r.id, name: r.name, kind: r.kind, role: r.role,
        created: iso(r.created)!, last_used: iso(r.last_used), revoked: iso(r.revoked),
      }));
    },
    revoke(name, now) { return writer.run('tokens.revoke', { name, now }); },
    revision() { return rev.get() as number; },
  };
}
