/**
 * Silence writes, run by the writer inside its commands (alerts/commands.ts): create one
 * (matchers, reason, expiry, creator) and expire one now (idempotent). Each drops the
 * writer connection's compiled silences, so the next alerts.apply matches the new set.
 */
import type { DB } from '../../store/db.js';
import type { Actor } from '../types.js';
import type { Matchers } from './match.js';
import { silencesOf, toSilence, type Silence, type SilenceRow } from './store.js';

export interface NewSilence { matchers: Matchers; reason: string; expiresAt: number; who: Actor; now: number }

export class SilenceWrites {
  private readonly q;

  constructor(private readonly db: DB) {
    this.q = {
      insert: db.prepare('INSERT INTO silences (matchers, reason, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      byId: db.prepare('SELECT * FROM silences WHERE id = ?'),
      expire: db.prepare('UPDATE silences SET expires_at = ?, expired_by = ? WHERE id = ? AND expires_at > ?'),
    };
  }

  create(s: NewSilence): Silence {
    const id = Number(this.q.insert.run(JSON.stringify(s.matchers), s.reason, s.who, s.now, s.expiresAt).lastInsertRowid);
    silencesOf(this.db).invalidate();
    return toSilence(this.q.byId.get(id) as SilenceRow, s.now);
  }

  /** Ends a silence now; idempotent. Undefined for an unknown id. */
  expire(id: number, who: Actor, now: number): Silence | undefined {
    if (!this.q.byId.get(id)) return undefined;
    if (this.q.expire.run(now, who, id, now).changes > 0) silencesOf(this.db).invalidate();
    return toSilence(this.q.byId.get(id) as SilenceRow, now);
  }
}
