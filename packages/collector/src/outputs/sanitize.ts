/**
 * The one sanitizer for every output that renders text (Markdown report, Slack text,
 * CSV export): attacker text stays visible text. Bidi controls and zero-width characters
 * become a visible `[U+XXXX]` (they could reorder or hide what a reader sees), line
 * breaks and other controls become a space, and each format's markup is escaped.
 */

/** Bidi embeddings/overrides/isolates, LRM/RLM, ALM, zero-width space/joiners, BOM, word joiner. */
const INVISIBLE = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\ufeff\u2060]/g;
/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

const codePoint = (c: string) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`;

/** Plain one-line text: invisible characters shown as [U+XXXX], controls as one space. */
export function plainText(s: string): string {
  return s.replace(INVISIBLE, codePoint).replace(CONTROLS, ' ');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for a Markdown paragraph or table cell: HTML entities and backslash-escaped punctuation. */
export function markdownText(s: string): string {
  return plainText(s).replace(/[&<>"']|[\\`*_{}[\]()#+\-.!|~:]/g, (c) => ENTITIES[c] ?? `\\${c}`);
}

/** Slack message text: Slack's documented escaping (&, <, >), so no link, mention or markup forms. */
export function slackText(s: string): string {
  return plainText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
