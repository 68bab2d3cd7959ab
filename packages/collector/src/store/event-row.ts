/**
 * The compact events-row codec: the `fields` JSON is stored WITHOUT the members the row's
 * columns already hold ('@timestamp' = ts, 'message', 'agent.name' = agent, 'event.ingested'
 * = ingested, 'vigil.type' = type), and `shape` flags say which were left out, so reading
 * rebuilds the very same object, key order included. Rows in template form (SHAPE_TEMPLATE,
 * store/field-templates.ts) keep only their own values; the template holds the rest.
 */
import type { DB } from './db.js';
import { loadTemplates, templateOf } from './field-templates.js';

/** Bits of the `shape` column; 0 means the JSON is the whole object (rows written before). */
export const SHAPE_TS = 1;
export const SHAPE_MESSAGE = 2;
export const SHAPE_AGENT = 4;
export const SHAPE_INGESTED = 8;
export const SHAPE_TYPE = 16;
/** `fields` is `[template id, ...values]` (store/field-templates.ts). */
export const SHAPE_TEMPLATE = 32;

/**
 * What the columns hold, as complete JSON members ('"agent.name":"web-1"'), or null where a
 * column cannot rebuild the member exactly. The caller builds them once per change.
 */
export interface RowMembers {
  ts: string | null;
  agent: string | null;
  ingested: string | null;
  type: string | null;
}

export interface PackedFields { json: string; shape: number }

const TS_MEMBER = '"@timestamp":';
const MESSAGE_MEMBER = '"message":';
const AGENT_MEMBER = '"agent.name":';
const INGESTED_MEMBER = '"event.ingested":';
const TYPE_MEMBER = '"vigil.type":';

// Node 20 has String.prototype.isWellFormed; the project's TypeScript lib predates it.
declare global { interface String { isWellFormed(): boolean } }

/** JSON of a column value the codec may rebuild, or null when SQLite's UTF-8 would not round-trip it. */
export function exactJson(v: string | null | undefined): string | null {
  return typeof v === 'string' && v.isWellFormed() ? JSON.stringify(v) : null;
}

/** The member text for a value, or null when the value cannot be rebuilt exactly. */
export function member(key: 'ts' | 'agent' | 'ingested' | 'type', value: string | null | undefined): string | null {
  const json = exactJson(value);
  if (json === null) return null;
  return (key === 'ts' ? TS_MEMBER : key === 'agent' ? AGENT_MEMBER : key === 'ingested' ? INGESTED_MEMBER : TYPE_MEMBER) + json;
}

/** The index just past the JSON string token starting at `at` (a '"'), or -1. */
function stringTokenEnd(json: string, at: number): number {
  if (json.charCodeAt(at) !== 34) return -1;
  for (let i = at + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 92) i++; // '\\': skip the escaped character
    else if (c === 34) return i + 1;
  }
  return -1;
}

/** Cuts member m off the end of full[pos, end) when it is the last member there; returns the new end or -1. */
function cutTail(full: string, pos: number, end: number, m: string | null): number {
  if (m === null) return -1;
  const at = end - m.length;
  if (at < pos || !full.startsWith(m, at)) return -1;
  if (at === pos) return pos;
  return full.charCodeAt(at - 1) === 44 ? at - 1 : -1; // preceded by ','
}

/**
 * Strips the column-held members from `full` (JSON.stringify of the fields). JSON.stringify
 * is deterministic, so a member is matched by its exact text at the start or end of the
 * object; a string token cannot end early, so a match is always a whole top-level member.
 * `message` is the object's own `message` value (null when it is not a well-formed string).
 */
export function packFields(full: string, message: string | null, m: RowMembers): PackedFields {
  let shape = 0;
  let pos = 1;
  if (m.ts !== null && full.startsWith(m.ts, pos)) {
    shape |= SHAPE_TS;
    pos += m.ts.length;
    if (full.charCodeAt(pos) === 44) pos++; // ','
  }
  if (message !== null && full.startsWith(MESSAGE_MEMBER, pos)) {
    // The member's value is JSON.stringify(message) (the caller passes fields.message):
    // find where that string token ends instead of serializing the message again.
    const end = stringTokenEnd(full, pos + MESSAGE_MEMBER.length);
    if (end > 0) {
      shape |= SHAPE_MESSAGE;
      pos = end;
      if (full.charCodeAt(pos) === 44) pos++;
    }
  }
  // Rebuild appends agent, ingested, type in that order; strip them from the end in reverse.
  let end = full.length - 1; // the closing '}'
  let e = cutTail(full, pos, end, m.type);
  if (e >= 0) { shape |= SHAPE_TYPE; end = e; }
  e = cutTail(full, pos, end, m.ingested);
  if (e >= 0) { shape |= SHAPE_INGESTED; end = e; }
  e = cutTail(full, pos, end, m.agent);
  if (e >= 0) { shape |= SHAPE_AGENT; end = e; }
  if (shape === 0) return { json: full, shape };
  return { json: end > pos ? `{${full.slice(pos, end)}}` : '{}', shape };
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
