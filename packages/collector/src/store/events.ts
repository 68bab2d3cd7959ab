/**
 * The event store: inserts decoded events as compact rows (event-row.ts; inside the
 * caller's transaction, keeping the per-kind totals in step), pages them newest first with
 * keyset pagination on id, counts them (kind totals from the counter table, filtered counts
 * through indexes) and fetches one by id. Reads go through a separate connection.
 */
import type { DB } from './db.js';
import type { EcsFields, EventKind, StoredEvent } from '../model.js';
import { isKindOnly, whereClause, type EventFilter } from './event-filter.js';
import { member, packFields, unpackFields, type RowMembers } from './event-row.js';
import type Database from 'better-sqlite3';

export interface NewEvent {
  agent: string;
  seq: number;
  kind: EventKind;
  /** ms; when the collector committed it. */
  ingested: number;
  /** Fallback @timestamp (ms) when the fields carry none that parses. */
  timeMs: number;
  type?: string;
  fields: EcsFields;
}

export interface EventRow {
  id: number; agent: string; seq: number; kind: string; ts: number; ingested: number;
  type: string | null; source_ip: string | null; user_name: string | null;
  outcome: string | null; action: string | null; message: string | null; fields: string; shape: number;
}

export interface EventPage { events: StoredEvent[]; nextBeforeId: number | null }

export interface EventStore {
  /** Inserts the events; must run inside a write transaction. Returns them with ids. */
  insertBatch(events: NewEvent[]): StoredEvent[];
  /** Newest first; beforeId continues a previous page. */
  query(filter: EventFilter, limit: number, beforeId?: number): EventPage;
  count(filter: EventFilter): number;
  get(id: number): StoredEvent | undefined;
}

/** Turns an events row back into the StoredEvent other modules pass around. */
export function rowToStoredEvent(row: EventRow): StoredEvent {
  return { id: row.id, agent: row.agent, seq: row.seq, kind: row.kind as EventKind, fields: JSON.parse(unpackFields(row)) as EcsFields };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Per-batch memo of the derived forms: consecutive rows mostly share agent, type, ingest
 * time and (to the second) event time, so each is parsed or formatted once per change.
 */
class Derived {
  readonly members: RowMembers = { ts: null, agent: null, ingested: null, type: null };
  private agent: string | undefined;
  private type: string | null | undefined = null;
  private ingested = NaN;
  private stamp: string | undefined;
  private parsed = NaN;
  ts = NaN;

  set(agent: string, type: string | undefined, ingested: number, stamp: unknown, fallbackMs: number): void {
    const m = this.members;
    if (agent !== this.agent) { this.agent = agent; m.agent = member('agent', agent); }
    if (type !== this.type) { this.type = type; m.type = member('type', type); }
    if (ingested !== this.ingested) { this.ingested = ingested; m.ingested = member('ingested', new Date(ingested).toISOString()); }
    if (typeof stamp !== 'string') { this.stamp = undefined; this.ts = fallbackMs; m.ts = null; return; }
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.parsed = Date.parse(stamp);
      m.ts = Number.isFinite(this.parsed) && new Date(this.parsed).toISOString() === stamp ? member('ts', stamp) : null;
    }
    this.ts = Number.isFinite(this.parsed) ? this.parsed : fallbackMs;
  }
}

export function createEventStore(writer: DB, reader: DB): EventStore {
  const insert = writer.prepare(`INSERT INTO events
    (agent, seq, kind, ts, ingested, type, source_ip, user_name, outcome, action, message, fields, shape)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const bump = writer.prepare('UPDATE event_totals SET n = n + ? WHERE kind = ?');
  const total = reader.prepare('SELECT n FROM event_totals WHERE kind = ?').pluck();
  const byId = reader.prepare('SELECT * FROM events WHERE id = ?');
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) { s = reader.prepare(sql); cache.set(sql, s); }
    return s;
  };

  return {
    insertBatch(events) {
      const out: StoredEvent[] = new Array(events.length);
      const perKind = new Map<EventKind, number>();
      const d = new Derived();
      for (let i = 0; i < events.length; i++) {
        const e = events[i];
        const f = e.fields;
        d.set(e.agent, e.type, e.ingested, f['@timestamp'], e.timeMs);
        const message = str(f.message);
        const row = packFields(JSON.stringify(f), message?.isWellFormed() ? message : null, d.members);
        const info = insert.run(e.agent, e.seq, e.kind, d.ts, e.ingested, e.type ?? null,
          str(f['source.ip']), str(f['user.name']), str(f['event.outcome']), str(f['event.action']),
          message, row.json, row.shape);
        out[i] = { id: Number(info.lastInsertRowid), agent: e.agent, seq: e.seq, kind: e.kind, fields: f };
        perKind.set(e.kind, (perKind.get(e.kind) ?? 0) + 1);
      }
      for (const [kind, n] of perKind) bump.run(n, kind);
      return out;
    },
    query(filter, limit, beforeId) {
      const w = whereClause(filter, beforeId);
      const rows = stmt(`SELECT * FROM events WHERE ${w.sql} ORDER BY id DESC LIMIT ?`).all(...w.params, limit + 1) as EventRow[];
      const more = rows.length > limit;
      if (more) rows.pop();
      return { events: rows.map(rowToStoredEvent), nextBeforeId: more ? rows[rows.length - 1].id : null };
    },
    count(filter) {
      if (isKindOnly(filter)) return (total.get(filter.kind) as number | undefined) ?? 0;
      const w = whereClause(filter);
      return stmt(`SELECT COUNT(*) FROM events WHERE ${w.sql}`).pluck().get(...w.params) as number;
    },
    get(id) {
      const row = byId.get(id) as EventRow | undefined;
      return row ? rowToStoredEvent(row) : undefined;
    },
  };
}
