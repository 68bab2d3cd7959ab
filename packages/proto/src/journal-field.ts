/**
 * One journal field as text, shared by the agent's journal source and the collector's
 * `journalctl -o json` line decoding: strings as they are, numbers as digits, byte arrays
 * (journald's form for non-UTF-8 or binary values) decoded as UTF-8 with U+FFFD for bad
 * bytes; anything else (a multi-valued field, an object) is undefined.
 */
export function journalFieldText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return undefined;
}
