/**
 * Opaque keyset cursors for every list route: a page's last (ts, id) key, wrapped so clients
 * treat it as a token (routes keyed by id alone leave ts at 0). A cursor that does not decode
 * is a 400 naming the `cursor` parameter.
 */
import { BadParameter } from './errors.js';

export interface CursorKey { ts: number; id: number }

export function encodeCursor(key: CursorKey | null): string | null {
  return key === null ? null : Buffer.from(`v2:${key.ts}:${key.id}`).toString('base64url');
}

/** The id-only key of a route ordered by id. */
export const idKey = (id: number | null): CursorKey | null => (id === null ? null : { ts: 0, id });

export function decodeCursor(cursor: unknown): CursorKey | undefined {
  if (cursor === undefined) return undefined;
  if (typeof cursor !== 'string') throw new BadParameter('cursor', 'give it once, as a single value');
  const m = /^v2:(-?\d{1,16}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) throw new BadParameter('cursor', 'not a cursor returned by this API');
  return { ts: Number(m[1]), id: Number(m[2]) };
}
