/**
 * The event store's write commands. `events.batch` commits one agent batch (or, with no
 * instance, rows outside any sequence: audit records) in ONE transaction: checks the agent
 * instance's high-water mark, stores the templates and the rows with their pre-assigned ids
 * (some may have come ahead in parts), bumps the per-kind totals and the summary
 * (store/event-keys.ts, sealing the buckets behind it), runs the batch's derived-table
 * operations (other commands, inside this transaction) and moves the mark.
 */
import type { EventKind } from '../model.js';
import { HWM_SQL } from './agent-writes.js';
import { BUMP_TOTAL_SQL, INSERT_EVENT_SQL, ROW_WIDTH } from './row-columns.js';
import { PUT_TEMPLATE_SQL } from './field-templates.js';
import { applyKeys, LAST_ID_SQL, PUT_KEY_SQL, PUT_SPAN_SQL, SEAL_SQL, SEALED_BELOW_SQL } from './event-keys.js';
import type { DB } from './db.js';
import type { CommandTable, Nested } from './writer/types.js';

/** A derived-table operation: a command name and its arguments, run inside the batch. */
export type DerivedOp = [op: string, args: unknown];

export interface BatchArgs {
  agent: string;
  /** The agent instance whose high-water mark moves; null for rows outside any sequence (audit). */
  instance: string | null;
  /** The mark the rows were decided against; the command fails if the stored one differs. */
  expect: number;
  /** The new mark (kept when not above `expect`). */
  ack: number;
  lag: number | null;
  /** The caller's clock: the agent's last_seen. */
  now: number;
  /** The last rows as flat column values (ROW_WIDTH each; all of them unless some came ahead). */
  values: unknown[];
  totals: Array<[EventKind, number]>;
  /** The field templates the rows use (bucket, id, body); stored first, once. */
  templates: Array<[number, number, string]>;
  /** The rows' summary counts (BatchKeys.keys() and .spans(), store/event-keys.ts). */
  keys: unknown[];
  spans: unknown[];
  /** The bucket of the batch's first row: the buckets below it are sealed (SEAL_SQL). */
  seal: number;
  /** Derived-table operations of the batch's bodies, in row order. */
  derived: DerivedOp[];
  /** Rows sent ahead of the command (set by the writer, not by the caller). */
  ahead?: unknown[][];
}

if (ROW_WIDTH !== 14) throw new Error('events.batch binds 14 values a row; update it with ROW_WIDTH');

export const eventCommands = {
  'events.batch': (db: DB, nested: Nested) => {
    const insert = db.prepare(INSERT_EVENT_SQL);
    const putTemplate = db.prepare(PUT_TEMPLATE_SQL);
    const bump = db.prepare(BUMP_TOTAL_SQL);
    const getSeq = db.prepare(HWM_SQL.get).pluck();
    const setSeq = db.prepare(HWM_SQL.set);
    const seen = db.prepare(HWM_SQL.seen);
    const putKey = db.prepare(PUT_KEY_SQL);
    const putSpan = db.prepare(PUT_SPAN_SQL);
    const seal = SEAL_SQL.map((sql) => db.prepare(sql));
    const sealedBelow = db.prepare(SEALED_BELOW_SQL).pluck();
    const lastId = db.prepare(LAST_ID_SQL);
    // A row's values as separate arguments: better-sqlite3 binds them faster than an array
    // it must read element by element (about 0.3 us a row less).
    const rows = (v: unknown[]) => {
      for (let i = 0; i < v.length; i += 14) {
        insert.run(v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8], v[i + 9], v[i + 10], v[i + 11], v[i + 12], v[i + 13]);
      }
    };
    return (m: BatchArgs): null => {
      if (m.instance !== null) {
        const stored = (getSeq.get(m.agent, m.instance) as number | undefined) ?? 0;
        if (stored !== m.expect) throw new Error(`high-water mark moved: expected ${m.expect}, stored ${stored}`);
      }
      for (const t of m.templates) putTemplate.run(t);
      let last = 0; // ids ascend within a batch: the last row's is its highest
      if (m.ahead) for (const v of m.ahead) { rows(v); if (v.length) last = v[v.length - 14] as number; }
      rows(m.values);
      if (m.values.length) last = m.values[m.values.length - 14] as number;
      if (last > 0) lastId.run({ last });
      for (const [kind, n] of m.totals) bump.run(n, kind);
      applyKeys(putKey, putSpan, sealedBelow, seal, m.keys, m.spans, m.seal);
      for (const [op, args] of m.derived) nested(op, args);
      if (m.instance !== null && m.ack > m.expect) {
        setSeq.run(m.ack, m.agent, m.instance);
        seen.run(m.now, m.lag, m.agent);
      }
      return null;
    };
  },
} satisfies CommandTable;
