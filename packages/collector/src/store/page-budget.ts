/**
 * The byte budget of one API list page (`api.max_response_bytes`): a page is chosen from
 * its rows' stored sizes first (ids and lengths only), then only the rows that fit are
 * read, so memory stays bounded whatever the stored rows hold. A page always has at least
 * one row; when the budget cuts it short, `more` is true and the caller's cursor continues
 * right after its last row, so nothing is lost or repeated. Stored sizes are bytes (a
 * TEXT column's length() counts characters), and since JSON escaping can make a row up to six
 * times its stored size, the rows read are cut again by their serialised size (fitSerialized).
 */
import type { DB } from './db.js';

/** The API's default response budget. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export interface SizedRow { id: number; n: number }

/** The rows (newest first) a page of at most `limit` rows and `maxBytes` takes; `more` when some are left. */
export function fitPage(sizes: SizedRow[], limit: number, maxBytes: number): { ids: number[]; more: boolean } {
  const ids: number[] = [];
  let bytes = 0;
  for (const r of sizes) {
    if (ids.length === limit) break;
    bytes += r.n;
    if (ids.length > 0 && bytes > maxBytes) break;
    ids.push(r.id);
  }
  return { ids, more: sizes.length > ids.length };
}

/** Every row of `table` whose `idCol` is in `ids`, in the order of `ids`. */
export function rowsByIds<T extends Record<string, unknown>>(db: DB, table: string, idCol: string, ids: number[]): T[] {
  if (ids.length === 0) return [];
  const rows = db.prepare(`SELECT * FROM ${table} WHERE ${idCol} IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as T[];
  const at = new Map(rows.map((r) => [r[idCol] as number, r]));
  return ids.map((id) => at.get(id)).filter((r): r is T => r !== undefined);
}

/** SQL for a TEXT column's size in bytes (length() alone counts characters). */
export const bytesOf = (col: string): string => `length(CAST(${col} AS BLOB))`;

/** Room kept in the budget for a page's envelope (keys, cursor) and per row (commas, an id, key order). */
const ENVELOPE_BYTES = 512;
const ROW_SLACK_BYTES = 64;

/** How many of `items` (at least one) fit in `maxBytes` once serialised as JSON. */
export function fitSerialized(items: unknown[], maxBytes: number): number {
  if (!Number.isFinite(maxBytes)) return items.length;
  let bytes = ENVELOPE_BYTES;
  for (let i = 0; i < items.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(items[i])) + ROW_SLACK_BYTES;
    if (i > 0 && bytes > maxBytes) return i;
  }
  return items.length;
}
