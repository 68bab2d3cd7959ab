/**
 * Turns NewEvents into the events table's column values, once, wherever the insert runs:
 * the derived columns (ts, indexed ECS members), the compact fields JSON and its shape.
 * The same INSERT text serves the main connection (id NULL: SQLite assigns it) and the
 * ingest writer thread (ids pre-assigned), so both write identical rows.
 */
import type { EventKind } from '../model.js';
import type { NewEvent } from './events.js';
import { member, packFields, type RowMembers } from './event-row.js';

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

/** Column values of a batch of rows, plus how many rows of each kind it holds. */
export interface RowColumns { values: unknown[]; totals: Array<[EventKind, number]> }

/**
 * Encodes the events as ROW_WIDTH values each (strings, numbers and nulls only, so the
 * array crosses to a worker thread by structured clone). ids[i] is the row id, or null
 * to let SQLite assign it.
 */
export function encodeRows(events: NewEvent[], ids: Array<number | null>): RowColumns {
  // Grown by push: `new Array(n)` beyond ~100k slots starts in slow dictionary mode.
  const values: unknown[] = [];
  const perKind = new Map<EventKind, number>();
  const d = new Derived();
  let k = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const f = e.fields;
    d.set(e.agent, e.type, e.ingested, f['@timestamp'], e.timeMs);
    const message = str(f.message);
    const row = packFields(JSON.stringify(f), message?.isWellFormed() ? message : null, d.members);
    values[k++] = ids[i]; values[k++] = e.agent; values[k++] = e.seq; values[k++] = e.kind;
    values[k++] = d.ts; values[k++] = e.ingested; values[k++] = e.type ?? null;
    values[k++] = str(f['source.ip']); values[k++] = str(f['user.name']);
    values[k++] = str(f['event.outcome']); values[k++] = str(f['event.action']);
    values[k++] = message; values[k++] = row.json; values[k++] = row.shape;
    perKind.set(e.kind, (perKind.get(e.kind) ?? 0) + 1);
  }
  return { values, totals: [...perKind] };
}
