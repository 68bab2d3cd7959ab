/**
 * Silences: created and expired through the API by named tokens, kept in the alerts
 * module's `silences` table. A silenced alert is still stored (marked) but not sent to
 * outputs. Active silences are compiled once and cached; the cache is rebuilt on every
 * create or expire and skips silences whose time has passed.
 */
import type { DB } from '../../store/db.js';
import type { Actor } from '../types.js';
import { compileMatchers, type AlertSubject, type Matchers } from './match.js';

export interface Silence {
  id: string;
  matchers: Matchers;
  reason: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  status: 'active' | 'expired';
  expired_by?: string;
}

interface SilenceRow { id: number; matchers: string; reason: string; created_by: string; created_at: number; expires_at: number; expired_by: string | null }

export class SilenceStore {
  private active?: Array<{ id: number; expiresAt: number; test: (a: AlertSubject) => boolean }>;
  private readonly q;

  /** The alerts module's migrations must have run on db (AlertStore does that). */
  constructor(db: DB) {
    this.q = {
      insert: db.prepare('INSERT INTO silences (matchers, reason, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      byId: db.prepare('SELECT * FROM silences WHERE id = ?'),
      list: db.prepare('SELECT * FROM silences ORDER BY id DESC LIMIT 1000'),
      unexpired: db.prepare('SELECT * FROM silences WHERE expires_at > ? ORDER BY id'),
      expire: db.prepare('UPDATE silences SET expires_at = ?, expired_by = ? WHERE id = ? AND expires_at > ?'),
    };
  }

  create(matchers: Matchers, reason: string, expiresAt: number, who: Actor, now: number): Silence {
    const id = Number(this.q.insert.run(JSON.stringify(matchers), reason, who, now, expiresAt).lastInsertRowid);
    this.active = undefined;
    return this.toSilence(this.q.byId.get(id) as SilenceRow, now);
  }

  list(now: number): Silence[] {
    return (this.q.list.all() as SilenceRow[]).map((r) => this.toSilence(r, now));
  }

  /** Ends a silence now; idempotent. Undefined for an unknown id. */
  expire(id: number, who: Actor, now: number): Silence | undefined {
    if (!this.q.byId.get(id)) return undefined;
    if (this.q.expire.run(now, who, id, now).changes > 0) this.active = undefined;
    return this.toSilence(this.q.byId.get(id) as SilenceRow, now);
  }

  /** The id of the first active silence covering the alert, or null. */
  match(alert: AlertSubject, now: number): number | null {
    if (!this.active) {
      this.active = (this.q.unexpired.all(now) as SilenceRow[]).map((r) => ({
        id: r.id, expiresAt: r.expires_at, test: compileMatchers(JSON.parse(r.matchers) as Matchers),
      }));
    }
    for (const s of this.active) if (s.expiresAt > now && s.test(alert)) return s.id;
    return null;
  }

  private toSilence(r: SilenceRow, now: number): Silence {
    const s: Silence = {
      id: String(r.id), matchers: JSON.parse(r.matchers) as Matchers, reason: r.reason,
      created_by: r.created_by, created_at: new Date(r.created_at).toISOString(),
      expires_at: new Date(r.expires_at).toISOString(), status: r.expires_at > now ? 'active' : 'expired',
    };
    if (r.expired_by) s.expired_by = r.expired_by;
    return s;
  }
}
