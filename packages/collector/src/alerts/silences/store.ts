/**
 * Silences as read on a connection: the list the API serves and the matching of alerts
 * (engine updates in the writer's alerts.apply, alerts in outputs). A silenced alert is
 * still stored (marked) but not sent to outputs. Active silences are compiled once per
 * connection and cached; the cache is dropped on every create or expire (writes.ts, and
 * the service for the main thread's copy) and skips silences whose time has passed.
 */
import type { DB } from '../../store/db.js';
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

export interface SilenceRow { id: number; matchers: string; reason: string; created_by: string; created_at: number; expires_at: number; expired_by: string | null }

export class SilenceStore {
  private active?: Array<{ id: number; expiresAt: number; test: (a: AlertSubject) => boolean }>;
  private readonly q;

  /** The alerts module's migrations must have run on db (AlertStore does that). */
  constructor(db: DB) {
    this.q = {
      list: db.prepare('SELECT * FROM silences ORDER BY id DESC LIMIT 1000'),
      unexpired: db.prepare('SELECT * FROM silences WHERE expires_at > ? ORDER BY id'),
    };
  }

  list(now: number): Silence[] {
    return (this.q.list.all() as SilenceRow[]).map((r) => toSilence(r, now));
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

  /** Silences were created or expired: compile them again at the next match. */
  invalidate(): void {
    this.active = undefined;
  }
}

const perConnection = new WeakMap<DB, SilenceStore>();

/** The silences of a connection (one cache per connection, shared by its readers and writes). */
export function silencesOf(db: DB): SilenceStore {
  let s = perConnection.get(db);
  if (!s) { s = new SilenceStore(db); perConnection.set(db, s); }
  return s;
}

export function toSilence(r: SilenceRow, now: number): Silence {
  const s: Silence = {
    id: String(r.id), matchers: JSON.parse(r.matchers) as Matchers, reason: r.reason,
    created_by: r.created_by, created_at: new Date(r.created_at).toISOString(),
    expires_at: new Date(r.expires_at).toISOString(), status: r.expires_at > now ? 'active' : 'expired',
  };
  if (r.expired_by) s.expired_by = r.expired_by;
  return s;
}
