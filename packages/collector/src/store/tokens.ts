/**
 * Tokens for agents (bound to one agent name) and for the API (role viewer or admin).
 * A token is `vgl_<id>_<secret>`: the id finds the row, the secret is kept only as its
 * SHA-256 hash and compared in constant time. Revocation is a timestamp; a revision row
 * bumped by triggers lets a running collector see CLI changes at once (see revision()).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DB } from './db.js';
import type { Role } from '../api/roles.js';

export type TokenKind = 'agent' | 'api';

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
  create(kind: TokenKind, name: string, role?: Role): string;
  /** The active token matching this secret, or undefined. Records nothing. */
  verify(token: string): TokenIdentity | undefined;
  /** Records that token `id` was accepted (coarsely: at most once a minute). */
  used(id: string, nowMs: number): void;
  isActive(id: string): boolean;
  list(): TokenInfo[];
  /** Revokes every active token with this name; returns how many. */
  revoke(name: string, nowMs: number): number;
  /** Changes whenever a token is created or revoked, by this process or another. */
  revision(): number;
}

interface TokenRow { id: string; name: string; kind: TokenKind; role: Role | null; hash: Buffer; created: number; last_used: number | null; revoked: number | null }

const TOKEN_RE = /^vgl_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_GRANULARITY_MS = 60_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest();
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createTokenStore(writer: DB, reader: DB = writer): TokenStore {
  const insert = writer.prepare('INSERT INTO tokens (id, name, kind, role, hash, created) VALUES (?, ?, ?, ?, ?, ?)');
  const byId = reader.prepare('SELECT * FROM tokens WHERE id = ? AND revoked IS NULL');
  const touch = writer.prepare('UPDATE tokens SET last_used = ? WHERE id = ?');
  const all = reader.prepare('SELECT * FROM tokens ORDER BY created, id');
  const revokeStmt = writer.prepare('UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL');
  const rev = reader.prepare("SELECT rev FROM revisions WHERE name = 'tokens'").pluck();
  const lastTouched = new Map<string, number>();

  return {
    create(kind, name, role) {
      const id = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      insert.run(id, name, kind, kind === 'api' ? (role ?? 'viewer') : null, sha256(secret), Date.now());
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
    used(id, now) {
      if (now - (lastTouched.get(id) ?? 0) < LAST_USED_GRANULARITY_MS) return;
      lastTouched.set(id, now);
      try { touch.run(now, id); } catch { /* busy: last use is advisory */ }
    },
    isActive(id) { return byId.get(id) !== undefined; },
    list() {
      return (all.all() as TokenRow[]).map((r) => ({
        id: r.id, name: r.name, kind: r.kind, role: r.role,
        created: iso(r.created)!, last_used: iso(r.last_used), revoked: iso(r.revoked),
      }));
    },
    revoke(name, now) { return revokeStmt.run(now, name).changes; },
    revision() { return rev.get() as number; },
  };
}
