/**
 * The feed log: every alert change gets a monotonic sequence number (AUTOINCREMENT, so
 * never reused even after trimming) and its JSON payload, in SQLite table feed_log
 * (module 'feed'). It is the replay source for resuming clients (Last-Event-ID) and
 * keeps only the newest `keep` entries. Reads here; the append (with its trim) is the
 * writer's 'feed.append' command (feedCommands).
 */
import { migrate, type DB } from '../store/db.js';
import type { CommandTable } from '../store/writer/types.js';
import type { Alert } from '../model.js';
import type { AlertChange } from '../model.js';

export interface FeedEntry {
  seq: number;
  change: AlertChange;
  alert: Alert;
  /** JSON of { change, alert }: what SSE sends as `data:` and WS wraps. */
  json: string;
}

interface Row { seq: number; change: string; payload: string }

const STEPS = [
  `CREATE TABLE feed_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,          -- wall clock ms
     alert_id TEXT NOT NULL,
     change TEXT NOT NULL,
     payload TEXT NOT NULL         -- JSON {change, alert}
   )`,
];

const LAST_SEQ = `SELECT seq FROM sqlite_sequence WHERE name = 'feed_log'`;

/** Appends trim the log once every this many entries. */
const TRIM_EVERY = 256;

export const feedCommands = {
  /** Logs one alert change; every TRIM_EVERY appends (per writer connection) drops entries beyond `keep`. */
  'feed.append': (db: DB) => {
    const insert = db.prepare('INSERT INTO feed_log (at, alert_id, change, payload) VALUES (?, ?, ?, ?)');
    const last = db.prepare(LAST_SEQ);
    const trim = db.prepare('DELETE FROM feed_log WHERE seq <= ?');
    let sinceTrim = 0;
    return ({ alert, change, now, keep }: { alert: Alert; change: AlertChange; now: number; keep: number }): FeedEntry => {
      const json = JSON.stringify({ change, alert });
      const seq = Number(insert.run(now, alert.id, change, json).lastInsertRowid);
      if (++sinceTrim >= TRIM_EVERY) {
        sinceTrim = 0;
        trim.run(((last.get() as { seq: number } | undefined)?.seq ?? 0) - keep);
      }
      return { seq, change, alert, json };
    };
  },
} satisfies CommandTable;

export class FeedLog {
  private readonly q;

  constructor(db: DB) {
    migrate(db, 'feed', STEPS);
    this.q = {
      after: db.prepare('SELECT seq, change, payload FROM feed_log WHERE seq > ? ORDER BY seq LIMIT ?'),
      bounds: db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM feed_log'),
      last: db.prepare(LAST_SEQ),
    };
  }

  /** Up to `limit` entries after `seq`, oldest first. */
  after(seq: number, limit: number): FeedEntry[] {
    return (this.q.after.all(seq, limit) as Row[]).map((r) => {
      const p = JSON.parse(r.payload) as { change: AlertChange; alert: Alert };
      return { seq: r.seq, change: p.change, alert: p.alert, json: r.payload };
    });
  }

  /** The last sequence number ever assigned (0 when none). */
  lastSeq(): number {
    return (this.q.last.get() as { seq: number } | undefined)?.seq ?? 0;
  }

  /** The oldest retained sequence number, or lastSeq()+1 when the log is empty. */
  oldestSeq(): number {
    const b = this.q.bounds.get() as { lo: number | null };
    return b.lo ?? this.lastSeq() + 1;
  }
}
