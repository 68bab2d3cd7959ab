/**
 * Capture-group bookkeeping for decoder regexes: finds each named group's number in the
 * source so that matching reads `m[i]` instead of building `m.groups` objects on the hot
 * path. Understands escapes, character classes, lookarounds and non-capturing groups.
 */

/** One capturing group's opening paren: where it is, and its name's end ('>') when named. */
interface GroupOpening { at: number; name: string; nameEnd: number }

/** The capturing groups' openings in capture order (escapes and character classes skipped). */
function groupOpenings(source: string): GroupOpening[] {
  const out: GroupOpening[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c !== '(') continue;
    if (source[i + 1] !== '?') { out.push({ at: i, name: '', nameEnd: -1 }); continue; }
    if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      const end = source.indexOf('>', i + 3);
      out.push({ at: i, name: source.slice(i + 3, end), nameEnd: end });
    }
  }
  return out;
}

/** Group names in capture order: index k holds the name of group k+1, or '' if unnamed. */
export function captureNames(source: string): string[] {
  return groupOpenings(source).map((g) => g.name);
}

/**
 * The same regex source with named groups made plain capturing groups (same numbering),
 * so that exec() builds no `groups` object per match. Sources with named backreferences
 * (`\k<name>`) are returned unchanged.
 */
export function withoutGroupNames(source: string): string {
  if (source.includes('\\k<')) return source;
  let out = '';
  let from = 0;
  for (const g of groupOpenings(source)) {
    if (g.nameEnd < 0) continue;
    out += source.slice(from, g.at + 1);
    from = g.nameEnd + 1;
  }
  return out + source.slice(from);
}
