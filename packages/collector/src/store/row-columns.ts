/**
 * Turns NewEvents into the events table's column values, once, wherever the insert runs:
 * the derived columns (ts, indexed ECS members), the fields in template form (the one row
 * form new rows take), its shape, the templates the rows use (per id bucket) and the batch's summary
 * counts (store/event-keys.ts). Ids are assigned before encoding (the bucket decides the
 * template scope); one INSERT text serves the main connection and the writer thread.
 */
import type { EventKind, NewEvent } from '../model.js';
import { exactString, SHAPE_TEMPLATE } from './event-row.js';
import type { BucketTemplates, ColumnValues } from './field-templates.js';
import { bucketOf } from './buckets.js';
import { BatchKeys } from './event-keys.js';

/** Values per row in a flat column array, in INSERT_EVENT_SQL's order. */
export const ROW_WIDTH = 14;

export const INSERT_EVENT_SQL = `INSERT INTO events
  (id, agent, seq, kind, ts, ingested, type, source_ip, user_name, outcome, action, message, fields, shape)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export const BUMP_TOTAL_SQL = 'UPDATE event_totals SET n = n + ? WHERE kind = ?';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Per-batch memo of the derived forms: consecutive rows mostly share agent, type, ingest
 * time and (to the second) event time, so each is parsed or formatted once per change.
 */
class Derived {
  private agent: string | undefined;
  private type: string | null | undefined = null;
  private ingested = NaN;
  private stamp: string | undefined;
  private parsed = NaN;
  ts = NaN;
  /** The member values the columns rebuild exactly, for the template encoder. */
  readonly cols: ColumnValues = { ts: null, message: null, agent: null, ingested: null, type: null };

  set(agent: string, type: string | undefined, ingested: number, stamp: unknown, fallbackMs: number): void {
    const c = this.cols;
    if (agent !== this.agent) { this.agent = agent; c.agent = exactString(agent); }
    if (type !== this.type) { this.type = type; c.type = exactString(type); }
    if (ingested !== this.ingested) { this.ingested = ingested; c.ingested = new Date(ingested).toISOString(); }
    if (typeof stamp !== 'string') { this.stamp = undefined; this.ts = fallbackMs; c.ts = null; return; }
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.parsed = Date.parse(stamp);
      c.ts = Number.isFinite(this.parsed) && new Date(this.parsed).toISOString() === stamp ? stamp : null;
    }
    this.ts = Number.isFinite(this.parsed) ? this.parsed : fallbackMs;
  }
}

/**
 * Column values of a batch of rows, how many rows of each kind it holds, the templates
 * its rows use (bucket, id, body), written with the rows (PUT_TEMPLATE_SQL), and its
 * summary counts.
 */
export interface RowColumns {
  values: unknown[];
  /** Rows per kind that `keys` has counted (across every chunk it was given). */
  totals: Array<[EventKind, number]>;
  templates: Array<[number, number, string]>;
  keys: BatchKeys;
}

/**
 * Encodes the events as ROW_WIDTH values each (strings, numbers and nulls only, so the
 * array crosses to a worker thread by structured clone); ids[i] is the row id, ascending.
 * `into`, an array already sent on, is filled again instead of a new one (it stays packed:
 * written in order, never holey, so it clones densely); `keys` collects the summary
 * counts across the chunks of one job.
 */
export function encodeRows(events: NewEvent[], ids: number[], encoders: BucketTemplates, into?: unknown[], keys = new BatchKeys()): RowColumns {
  // Grown by push: `new Array(n)` beyond ~100k slots starts in slow dictionary mode.
  const values: unknown[] = into ?? [];
  const d = new Derived();
  let bucket = -1;
  const used = new Set<number>(); // templates listed for `bucket`
  const templates: Array<[number, number, string]> = [];
  let k = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const f = e.fields;
    d.set(e.agent, e.type, e.ingested, f['@timestamp'], e.timeMs);
    const message = str(f.message);
    d.cols.message = exactString(message);
    const b = bucketOf(ids[i]);
    if (b !== bucket) { bucket = b; used.clear(); }
    const encoder = encoders.for(b);
    const json = encoder.encode(f, d.cols);
    const t = encoder.template;
    if (!used.has(t.id)) { used.add(t.id); templates.push([b, t.id, t.body]); }
    const type = e.type ?? null;
    const ip = str(f['source.ip']);
    const user = str(f['user.name']);
    values[k++] = ids[i]; values[k++] = e.agent; values[k++] = e.seq; values[k++] = e.kind;
    values[k++] = d.ts; values[k++] = e.ingested; values[k++] = type;
    values[k++] = ip; values[k++] = user;
    values[k++] = str(f['event.outcome']); values[k++] = str(f['event.action']);
    values[k++] = message; values[k++] = json; values[k++] = SHAPE_TEMPLATE;
    keys.add(b, e.kind, d.ts, e.agent, type, ip, user);
  }
  if (values.length !== k) values.length = k;
  return { values, totals: keys.totals(), templates, keys };
}
