/**
 * The write side of the events summary (read side: store/event-lookup.ts): per id bucket
 * and kind, how many rows hold each agent, type, source.ip and user.name (event_keys), and
 * how many rows the bucket holds with their @timestamp span (event_spans). Agents, types
 * and spans (few values) are aggregated where a batch's rows are encoded (row-columns.ts)
 * into plain arrays the writer upserts in the rows' own transaction. Addresses and users of
 * log rows (up to one new value a row) are counted once per bucket, when the writer moves
 * past it ("sealing" it, SEAL_SQL), from the bucket's own covering index; until then a
 * lookup reads that index. Retention takes counts back (store/retention.ts). Both tables lead with the
 * bucket, so a commit touches only the newest bucket's pages: ingest stays flat.
 */
import type { EventKind } from '../model.js';

import { BUCKET_BITS } from './buckets.js';

/** The filter members the summary counts, by their event_keys.field name. */
export const KEY_FIELDS = ['agent', 'type', 'source.ip', 'user.name'] as const;
export type KeyField = typeof KEY_FIELDS[number];
/** Those whose log rows are counted when their bucket is sealed, from the bucket's index on them (the rest per batch). */
export const SEALED_FIELDS: ReadonlySet<KeyField> = new Set(['source.ip', 'user.name']);

/** The next event id to give: above every id ever stored (event_ids keeps the highest, also once retention emptied the table). */
export const NEXT_ID_SQL = 'SELECT max(coalesce((SELECT max(id) FROM events), 0), coalesce((SELECT last FROM event_ids), 0)) + 1';
/** Raises the highest id given (run with each batch, @last its highest id). */
export const LAST_ID_SQL = 'UPDATE event_ids SET last = @last WHERE last < @last';

/** The first bucket not sealed yet (event_seal holds one row). */
export const SEALED_BELOW_SQL = 'SELECT below FROM event_seal';

/**
 * A sealed bucket's log rows per value, from the covering bucketed index alone (all kinds'
 * rows); the other kinds' rows, counted per batch, are taken off after.
 */
const sealField = (field: string, col: string) => `INSERT INTO event_keys (bucket, kind, field, value, n)
  SELECT id >> ${BUCKET_BITS}, 'log', '${field}', ${col}, count(*) FROM events INDEXED BY events_${col}_b
  WHERE (id >> ${BUCKET_BITS}) >= @below AND (id >> ${BUCKET_BITS}) < @first AND ${col} IS NOT NULL
  GROUP BY id >> ${BUCKET_BITS}, ${col}`;

/**
 * Seals the buckets from @below (SEALED_BELOW_SQL) up to @first (the bucket of a batch's
 * first row): counts their log rows' addresses and users (other kinds' are counted per
 * batch: they are few). Run, in order, when a batch starts past @below.
 */
export const SEAL_SQL = [
  sealField('source.ip', 'source_ip'),
  sealField('user.name', 'user_name'),
  `UPDATE event_keys AS l SET n = l.n - o.n FROM (
     SELECT bucket, field, value, sum(n) AS n FROM event_keys
     WHERE bucket >= @below AND bucket < @first AND kind <> 'log' AND field IN ('source.ip', 'user.name')
     GROUP BY bucket, field, value) AS o
   WHERE l.bucket = o.bucket AND l.kind = 'log' AND l.field = o.field AND l.value = o.value`,
  'UPDATE event_seal SET below = @first WHERE below = @below',
];

/** Values per key in BatchKeys.keys(): bucket, kind, field, value, n. */
export const KEY_WIDTH = 5;
/** Values per span in BatchKeys.spans(): bucket, kind, n, min ts, max ts. */
export const SPAN_WIDTH = 5;

export const PUT_KEY_SQL = `INSERT INTO event_keys (bucket, kind, field, value, n) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT DO UPDATE SET n = n + excluded.n`;
export const PUT_SPAN_SQL = `INSERT INTO event_spans (bucket, kind, n, min_ts, max_ts) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT DO UPDATE SET n = n + excluded.n, min_ts = min(min_ts, excluded.min_ts), max_ts = max(max_ts, excluded.max_ts)`;

/** The fields a batch counts, in Group.values order (addresses and users: not for log rows). */
const BATCH_FIELDS = ['agent', 'type', 'source.ip', 'user.name'] as const;

/** One bucket and kind of a batch: its rows, their ts span, and per batch field the value counts. */
interface Group {
  bucket: number; kind: EventKind; n: number; min: number; max: number;
  values: [Map<string, number>, Map<string, number>, Map<string, number>, Map<string, number>];
}

const bump = (m: Map<string, number>, v: string | null) => {
  if (v !== null) m.set(v, (m.get(v) ?? 0) + 1);
};

/** A batch's summary counts, added row by row as the rows are encoded. */
export class BatchKeys {
  private readonly groups: Group[] = [];
  private last: Group | null = null;

  add(bucket: number, kind: EventKind, ts: number, agent: string, type: string | null, ip: string | null, user: string | null): void {
    let g = this.last;
    if (g === null || g.bucket !== bucket || g.kind !== kind) {
      g = this.groups.find((x) => x.bucket === bucket && x.kind === kind) ?? null;
      if (g === null) {
        g = { bucket, kind, n: 0, min: ts, max: ts, values: [new Map(), new Map(), new Map(), new Map()] };
        this.groups.push(g);
      }
      this.last = g;
    }
    g.n++;
    if (ts < g.min) g.min = ts;
    if (ts > g.max) g.max = ts;
    bump(g.values[0], agent);
    bump(g.values[1], type);
    if (kind !== 'log') { bump(g.values[2], ip); bump(g.values[3], user); }
  }

  /** Flat PUT_KEY_SQL arguments, KEY_WIDTH per key. */
  keys(): unknown[] {
    const out: unknown[] = [];
    for (const g of this.groups) {
      for (let f = 0; f < BATCH_FIELDS.length; f++) {
        for (const [value, n] of g.values[f]) out.push(g.bucket, g.kind, BATCH_FIELDS[f], value, n);
      }
    }
    return out;
  }

  /** Rows counted per kind (the per-kind totals of event_totals). */
  totals(): Array<[EventKind, number]> {
    const n = new Map<EventKind, number>();
    for (const g of this.groups) n.set(g.kind, (n.get(g.kind) ?? 0) + g.n);
    return [...n];
  }

  /** Flat PUT_SPAN_SQL arguments, SPAN_WIDTH per bucket and kind. */
  spans(): unknown[] {
    const out: unknown[] = [];
    for (const g of this.groups) out.push(g.bucket, g.kind, g.n, g.min, g.max);
    return out;
  }
}

interface Runs { run(...a: unknown[]): unknown }

/**
 * Runs a batch's summary upserts and seals (inside the rows' transaction); `first` is the
 * bucket of its first row, `below` reads SEALED_BELOW_SQL.
 */
export function applyKeys(putKey: Runs, putSpan: Runs, below: { get(): unknown }, seal: Runs[], keys: unknown[], spans: unknown[], first: number): void {
  for (let i = 0; i < keys.length; i += KEY_WIDTH) putKey.run(keys[i], keys[i + 1], keys[i + 2], keys[i + 3], keys[i + 4]);
  for (let i = 0; i < spans.length; i += SPAN_WIDTH) putSpan.run(spans[i], spans[i + 1], spans[i + 2], spans[i + 3], spans[i + 4]);
  const from = below.get() as number;
  if (from < first) for (const s of seal) s.run({ below: from, first });
}
