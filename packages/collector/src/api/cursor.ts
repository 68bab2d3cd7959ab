/**
 * Opaque keyset cursors: a page's last id, wrapped so clients treat it as a token.
 * A cursor that does not decode is a 400 naming the `cursor` parameter.
 */
import { BadParameter } from './errors.js';

export function encodeCursor(beforeId: number | null): string | null {
  return beforeId === null ? null : Buffer.from(`v1:${beforeId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const m = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) throw new BadParameter('cursor', 'not a cursor returned by this API');
  return Number(m[1]);
}
