/**
 * The events-row codec. New rows take one form, template form (SHAPE_TEMPLATE,
 * store/field-templates.ts): `fields` is `[template id, ...values]`, and the template says
 * per member whether it is a constant, a column ('@timestamp' = ts, 'message', 'agent.name'
 * = agent, 'event.ingested' = ingested, 'vigil.type' = type) or the row's next value, so
 * reading rebuilds the very same object, key order included. Read only: rows of older
 * databases, shape 0 (the whole JSON) and the compact form (the JSON without the members
 * the SHAPE_TS..SHAPE_TYPE bits say the columns hold).
 */
import type { DB } from './db.js';
import { loadTemplates, templateOf } from './field-templates.js';

/** Bits of the `shape` column; 0 means the JSON is the whole object (read only, like the compact bits). */
export const SHAPE_TS = 1;
export const SHAPE_MESSAGE = 2;
export const SHAPE_AGENT = 4;
export const SHAPE_INGESTED = 8;
export const SHAPE_TYPE = 16;
/** `fields` is `[template id, ...values]` (store/field-templates.ts). */
export const SHAPE_TEMPLATE = 32;

const TS_MEMBER = '"@timestamp":';
const MESSAGE_MEMBER = '"message":';
const AGENT_MEMBER = '"agent.name":';
const INGESTED_MEMBER = '"event.ingested":';
const TYPE_MEMBER = '"vigil.type":';

// Node 20 has String.prototype.isWellFormed; the project's TypeScript lib predates it.
declare global { interface String { isWellFormed(): boolean } }

/** `v` when a column may rebuild it as a member, or null when SQLite's UTF-8 would not round-trip it. */
export function exactString(v: unknown): string | null {
  return typeof v === 'string' && v.isWellFormed() ? v : null;
}

/** The stored columns of one row, as read back. */
export interface StoredRow {
  agent: string; ts: number; ingested: number; type: string | null; message: string | null;
  fields: string; shape: number;
}

/** Rebuilds the JSON text of the whole fields object from a row (`db` finds its template). */
export function unpackFields(r: StoredRow, db?: DB): string {
  const s = r.shape;
  if (!s) return r.fields;
  if (s & SHAPE_TEMPLATE) {
    if (!db) throw new Error('a templated row needs its database to be read');
    const values = JSON.parse(r.fields) as unknown[];
    return fromTemplate(r, values, templateOf(db, values[0] as number));
  }
  const parts: string[] = [];
  if (s & SHAPE_TS) parts.push(columnMember('ts', r));
  if (s & SHAPE_MESSAGE) parts.push(columnMember('message', r));
  if (r.fields.length > 2) parts.push(r.fields.slice(1, -1));
  if (s & SHAPE_AGENT) parts.push(columnMember('agent', r));
  if (s & SHAPE_INGESTED) parts.push(columnMember('ingested', r));
  if (s & SHAPE_TYPE) parts.push(columnMember('type', r));
  return `{${parts.join(',')}}`;
}

/** The member text a column rebuilds. */
function columnMember(name: string, r: StoredRow): string {
  switch (name) {
    case 'ts': return TS_MEMBER + `"${new Date(r.ts).toISOString()}"`;
    case 'message': return MESSAGE_MEMBER + JSON.stringify(r.message ?? '');
    case 'agent': return AGENT_MEMBER + JSON.stringify(r.agent);
    case 'ingested': return INGESTED_MEMBER + `"${new Date(r.ingested).toISOString()}"`;
    default: return TYPE_MEMBER + JSON.stringify(r.type ?? '');
  }
}

/** A templated row's JSON text: constants from the template, the rest from columns and values. */
function fromTemplate(r: StoredRow, values: unknown[], t: Array<[string, string]>): string {
  let out = '';
  let i = 1;
  for (const [kind, text] of t) {
    const m = kind === 'c' ? text : kind === 'v' ? text + JSON.stringify(values[i++]) : columnMember(text, r);
    out += out === '' ? m : ',' + m;
  }
  return `{${out}}`;
}

const withFunction = new WeakSet<DB>();

/**
 * Registers the SQL function vigil_fields(fields, shape, agent, ts, ingested, type, message),
 * the whole fields JSON of a row, for queries that look into fields. A function cannot
 * query its own connection, so templates are read first; one newer than that is read
 * through a second, read-only connection to the same file.
 */
export function useFieldsFunction(db: DB): void {
  loadTemplates(db);
  if (withFunction.has(db)) return;
  withFunction.add(db);
  let side: DB | undefined;
  db.function('vigil_fields', { deterministic: true }, (fields, shape, agent, ts, ingested, type, message) => {
    const r = { fields, shape, agent, ts, ingested, type, message } as StoredRow;
    try {
      return unpackFields(r, db);
    } catch (err) {
      if (!(Number(shape) & SHAPE_TEMPLATE) || db.memory) throw err;
      side ??= new (db.constructor as new (f: string, o: object) => DB)(db.name, { readonly: true });
      return unpackFields(r, side);
    }
  });
}
