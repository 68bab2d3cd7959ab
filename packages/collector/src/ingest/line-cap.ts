/**
 * The collector's own line cap: an agent (or a stolen agent token) may send lines of any
 * length up to the frame limit; longer than `ingest.max_line_bytes` (the agent's default,
 * 64 KiB) they are cut on a UTF-8 boundary and flagged like the agent flags its cuts
 * (`vigil.truncated`, `vigil.original_length`), before any decoder sees them.
 */

/** The agent's default line cap (files[].max_line_bytes), the collector's default too. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface CappedText { text: string; originalLength: number }

/**
 * `text` cut to at most `cap` UTF-8 bytes, or undefined when it fits. The hot path is one
 * length comparison: a string of n UTF-16 units never takes more than 3n bytes.
 */
export function capText(text: string, cap: number): CappedText | undefined {
  if (text.length * 3 <= cap) return undefined;
  const head = Buffer.from(text.length > cap ? text.slice(0, cap) : text, 'utf8');
  if (head.length <= cap && text.length <= cap) return undefined;
  let cut = Math.min(cap, head.length);
  while (cut > 0 && (head[cut] & 0xc0) === 0x80) cut--; // do not split a sequence
  const originalLength = text.length > cap ? Buffer.byteLength(text, 'utf8') : head.length;
  return { text: head.toString('utf8', 0, cut), originalLength };
}
