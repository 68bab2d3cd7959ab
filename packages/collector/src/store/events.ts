/**
 * The event store: inserts decoded events as compact rows (event-row.ts; inside the
 * caller's transaction, keeping the per-kind totals and the summary in step), pages them
 * newest first with keyset pagination on id, counts them (kind totals from the counter
 * table, filtered counts from the summary, store/event-lookup.ts) and fetches one by id.
 * Reads go through a separate connection. Its template encoder is its own.
 */
import type { DB } from './db.js';
import type { EcsFields, EventKind, NewEvent, StoredEvent } from '../model.js';
import { isKindOnly, whereClause, type EventFilter } from './event-filter.js';
import { unpackFields } from './event-row.js';
import { bytesOf, fitPage, fitSerialized, rowsByIds, type SizedRow } from './page-budget.js';
import { BucketTemplates, templateKey } from './field-templates.js';
import { encodeRows } from './row-columns.js';
import { NEXT_ID_SQL } from './event-keys.js';
import { eventCommands } from './event-commands.js';
import { bucketOf } from './buckets.js';
import { createEventLookup, planned } from './event-lookup.js';
import type Database from 'better-sqlite3';

export type { NewEvent } from '../model.js';

export interface EventRow {
  id: number; agent: string; seq: number; kind: string; ts: number; ingested: number;
  type: string | null; source_ip: string | null; user_name: string | null;
  outcome: string | null; action: string | null; message: string | null; fields: string; shape: number;
}

export interface EventPage { events: StoredEvent[]; nextBeforeId: number | null }

export interface EventStore {
  /** The store's template encoder (per id bucket): every row this store's database gets is encoded with it. */
  readonly templates: BucketTemplates;
  /** Inserts the events; must run inside a write transaction. Returns them with ids. */
  insertBatch(events: NewEvent[]): StoredEvent[];
  /** Newest first; beforeId continues a previous page; at most `maxBytes` of stored rows (page-budget.ts). */
  query(filter: EventFilter, limit: number, beforeId?: number, maxBytes?: number): EventPage;
  count(filter: EventFilter): number;
  get(id: number): StoredEvent | undefined;
}

/** Turns an events row of `db` back into the StoredEvent other modules pass around. */
export function rowToStoredEvent(row: EventRow, db: DB): StoredEvent {
  return { id: row.id, agent: row.agent, seq: row.seq, kind: row.kind as EventKind, fields: JSON.parse(unpackFields(row, db)) as EcsFields };
}

/** A row's id and stored size (its fields and message), for the page budget. */
const SIZE = `id, ${bytesOf('fields')} + coalesce(${bytesOf('message')}, 0) AS n`;

/** `templates`: the store's encoder (its own unless given, e.g. with smaller bounds in a test). */
export function createEventStore(writer: DB, reader: DB, templates = new BucketTemplates({}, templateKey(writer))): EventStore {
  // The same executor the writer runs for events.batch (rows outside any sequence): one write path.
  const batch = eventCommands['events.batch'](writer, () => { throw new Error('insertBatch rows have no derived operations'); });
  const nextId = writer.prepare(NEXT_ID_SQL).pluck();
  const toEvent = (row: EventRow) => rowToStoredEvent(row, reader);
  const total = reader.prepare('SELECT n FROM event_totals WHERE kind = ?').pluck();
  const byId = reader.prepare('SELECT * FROM events WHERE id = ?');
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) { s = reader.prepare(sql); cache.set(sql, s); }
    return s;
  };
  const lookup = createEventLookup(reader, stmt);

  return {
    templates,
    insertBatch(events) {
      // Ids above every id given: the bucket of each row decides its templates' scope.
      const first = nextId.get() as number;
      const ids = Array.from({ length: events.length }, (_, i) => first + i);
      const { values, totals, templates: used, keys } = encodeRows(events, ids, templates);
      batch({ agent: events[0]?.agent ?? '', instance: null, expect: 0, ack: 0, lag: null, now: 0, values, totals, templates: used,
        keys: keys.keys(), spans: keys.spans(), seal: bucketOf(first), derived: [] });
      return events.map((e, i) => ({ id: ids[i], agent: e.agent, seq: e.seq, kind: e.kind, fields: e.fields }));
    },
    query(filter, limit, beforeId, maxBytes = Infinity) {
      // Sizes first, then only the rows the page's byte budget takes.
      let sizes: SizedRow[];
      if (planned(filter)) sizes = lookup.rows<SizedRow>(filter, SIZE, limit + 1, beforeId);
      else {
        const w = whereClause(filter, beforeId);
        sizes = stmt(`SELECT ${SIZE} FROM events WHERE ${w.sql} ORDER BY id DESC LIMIT ?`).all(...w.params, limit + 1) as SizedRow[];
      }
      const { ids, more } = fitPage(sizes, limit, maxBytes);
      const events = rowsByIds<EventRow & Record<string, unknown>>(reader, 'events', 'id', ids).map(toEvent);
      const fit = fitSerialized(events, maxBytes);
      if (fit < events.length) return { events: events.slice(0, fit), nextBeforeId: events[fit - 1].id };
      return { events, nextBeforeId: more ? ids[ids.length - 1] : null };
    },
    count(filter) {
      if (isKindOnly(filter)) return (total.get(filter.kind) as number | undefined) ?? 0;
      if (planned(filter)) return lookup.count(filter);
      const w = whereClause(filter);
      return stmt(`SELECT COUNT(*) FROM events WHERE ${w.sql}`).pluck().get(...w.params) as number;
    },
    get(id) {
      const row = byId.get(id) as EventRow | undefined;
      return row ? toEvent(row) : undefined;
    },
  };
}
