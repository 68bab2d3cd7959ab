/**
 * The compact events-row codec: the `fields` JSON is stored WITHOUT the members the row's
 * columns already hold ('@timestamp' = ts, 'message', 'agent.name' = agent, 'event.ingested'
 * = ingested, 'vigil.type' = type), and `shape` flags say which were left out, so reading
 * rebuilds the very same object, key order included. A member is left out only when its
 * value is exactly what the column rebuilds and it sits where rebuilding puts it back.
 */

/** Bits of the `shape` column; 0 means the JSON is the whole object (rows written before). */
export const SHAPE_TS = 1;
export const SHAPE_MESSAGE = 2;
export const SHAPE_AGENT = 4;
export const SHAPE_INGESTED = 8;
export const SHAPE_TYPE = 16;

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

/** Rebuilds the JSON text of the whole fields object from a row. */
export function unpackFields(r: StoredRow): string {
  const s = r.shape;
  if (!s) return r.fields;
  const parts: string[] = [];
  if (s & SHAPE_TS) parts.push(TS_MEMBER + `"${new Date(r.ts).toISOString()}"`);
  if (s & SHAPE_MESSAGE) parts.push(MESSAGE_MEMBER + JSON.stringify(r.message ?? ''));
  if (r.fields.length > 2) parts.push(r.fields.slice(1, -1));
  if (s & SHAPE_AGENT) parts.push(AGENT_MEMBER + JSON.stringify(r.agent));
  if (s & SHAPE_INGESTED) parts.push(INGESTED_MEMBER + `"${new Date(r.ingested).toISOString()}"`);
  if (s & SHAPE_TYPE) parts.push(TYPE_MEMBER + JSON.stringify(r.type ?? ''));
  return `{${parts.join(',')}}`;
}
