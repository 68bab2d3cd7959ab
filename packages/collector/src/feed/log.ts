/**
 * The feed log: every alert change gets a monotonic sequence number (AUTOINCREMENT, so
 * never reused even after trimming) and its JSON payload, in SQLite table feed_log
 * (module 'feed'). It is the replay source for resuming clients (Last-Event-ID) and
 * keeps only the newest `keep` entries.
 */
import { migrate, type DB } from '../store/db.js';
import type { Alert } from '../model.js';
import type { AlertChange } from '../context.js';

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

export class FeedLog {
  private readonly q;
  private sinceTrim = 0;

  constructor(db: DB, private readonly keep = 10_000) {
    migrate(db, 'feed', STEPS);
    this.q = {
      insert: db.prepare('INSERT INTO feed_log (at, alert_id, change, payload) VALUES (?, ?, ?, ?)'),
      after: db.prepare('SELECT seq, change, payload FROM feed_log WHERE seq > ? ORDER BY seq LIMIT ?'),
      bounds: db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM feed_log'),
      last: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'feed_log'`),
      trim: db.prepare('DELETE FROM feed_log WHERE seq <= ?'),
    };
  }

  append(alert: Alert, change: AlertChange, now: number): FeedEntry {
    const json = JSON.stringify({ change, alert });
    const seq = Number(this.q.insert.run(now, alert.id, change, json).lastInsertRowid);
    if (++this.sinceTrim >= 256) this.trim();
    return { seq, change, alert, json };
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

  trim(): void {
    this.sinceTrim = 0;
    this.q.trim.run(this.lastSeq() - this.keep);
  }
}
