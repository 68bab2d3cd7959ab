/**
 * Capture-group bookkeeping for decoder regexes: finds each named group's number in the
 * source so that matching reads `m[i]` instead of building `m.groups` objects on the hot
 * path. Understands escapes, character classes, lookarounds and non-capturing groups.
 */

/** Group names in capture order: index k holds the name of group k+1, or '' if unnamed. */
export function captureNames(source: string): string[] {
  const names: string[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c !== '(') continue;
    if (source[i + 1] !== '?') { names.push(''); continue; }
    if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      const end = source.indexOf('>', i + 3);
      names.push(source.slice(i + 3, end));
    }
  }
  return names;
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
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c === '(' && source[i + 1] === '?' && source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      const end = source.indexOf('>', i + 3);
      out += source.slice(from, i + 1);
      from = end + 1;
      i = end;
    }
  }
  return out + source.slice(from);
}
