/**
 * The token store's writes, as commands of the write queue: create (the secret's hash only:
 * the plaintext never leaves the caller), revoke by name, and the last-use mark. Writer-side
 * code: it imports only the store and plain types; the token store (tokens.ts) sends these
 * and reads on its own connection. Times are the caller's clock, in the args.
 */
import type { DB } from './db.js';
import type { Role } from '../api/roles.js';
import type { CommandTable } from './writer/types.js';

export type TokenKind = 'agent' | 'api';

export interface CreateTokenArgs {
  id: string; name: string; kind: TokenKind; role: Role | null;
  /** SHA-256 of the secret, hex. */
  hash: string;
  now: number;
}

export const tokenCommands = {
  'tokens.create': (db: DB) => {
    const insert = db.prepare('INSERT INTO tokens (id, name, kind, role, hash, created) VALUES (?, ?, ?, ?, ?, ?)');
    return (a: CreateTokenArgs): null => {
      insert.run(a.id, a.name, a.kind, a.role, Buffer.from(a.hash, 'hex'), a.now);
      return null;
    };
  },
  'tokens.revoke': (db: DB) => {
    const revoke = db.prepare('UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL');
    /** How many active tokens of that name were revoked. */
    return (a: { name: string; now: number }): number => revoke.run(a.now, a.name).changes;
  },
  'tokens.used': (db: DB) => {
    const touch = db.prepare('UPDATE tokens SET last_used = ? WHERE id = ?');
    return (a: { id: string; now: number }): null => { touch.run(a.now, a.id); return null; };
  },
} satisfies CommandTable;
