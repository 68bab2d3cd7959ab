/**
 * Which first characters can a decoder regex match? A conservative reading of the regex
 * source (anchored `^`, then literals, escaped punctuation, `\d`, groups, alternations and
 * `?`/`*`/`+`/`{n,m}` quantifiers) gives the set of char codes a matching line can start
 * with, so a line is only tried against patterns that can match it. Anything not
 * understood (classes, `.`, `\S`, lookarounds, no anchor) answers null: "any character".
 */

/** The possible first char codes of a match of `source`, or null when unknown (any). */
export function firstChars(source: string): Set<number> | null {
  if (source.charCodeAt(0) !== 94 /* ^ */) return null;
  try {
    const r = alternation(source, 1);
    if (r.end !== source.length || r.nullable || r.chars === null) return null;
    return r.chars;
  } catch {
    return null;
  }
}

interface Part { chars: Set<number> | null; nullable: boolean; end: number }

const ANY: null = null;

function union(a: Set<number> | null, b: Set<number> | null): Set<number> | null {
  if (a === null || b === null) return null;
  const out = new Set(a);
  for (const c of b) out.add(c);
  return out;
}

/** `seq|seq|...` up to an unmatched `)` or the end. */
function alternation(s: string, i: number): Part {
  let r = sequence(s, i);
  while (s[r.end] === '|') {
    const next = sequence(s, r.end + 1);
    r = { chars: union(r.chars, next.chars), nullable: r.nullable || next.nullable, end: next.end };
  }
  return r;
}

/** Atoms in a row: the first set is the union up to and including the first non-nullable one. */
function sequence(s: string, i: number): Part {
  let chars: Set<number> | null = new Set();
  let nullable = true;
  let j = i;
  while (j < s.length && s[j] !== '|' && s[j] !== ')') {
    const a = atom(s, j);
    const q = quantifier(s, a.end);
    if (nullable) {
      chars = union(chars, a.chars);
      nullable = a.nullable || q.optional;
    }
    j = q.end;
  }
  return { chars, nullable, end: j };
}

function quantifier(s: string, i: number): { optional: boolean; end: number } {
  const c = s[i];
  let optional = false;
  let j = i;
  if (c === '?' || c === '*') { optional = true; j++; }
  else if (c === '+') j++;
  else if (c === '{') {
    const close = s.indexOf('}', i);
    const body = close > i ? s.slice(i + 1, close) : '';
    if (!/^\d+(,\d*)?$/.test(body)) return { optional: false, end: i }; // a literal `{`
    optional = parseInt(body, 10) === 0;
    j = close + 1;
  } else return { optional: false, end: i };
  if (s[j] === '?') j++; // lazy
  return { optional, end: j };
}

const DIGITS = new Set([48, 49, 50, 51, 52, 53, 54, 55, 56, 57]);

function atom(s: string, i: number): Part {
  const c = s[i];
  if (c === '\\') {
    const e = s[i + 1];
    if (e === undefined) throw new Error('dangling escape');
    if (e === 'd') return { chars: DIGITS, nullable: false, end: i + 2 };
    if (/[A-Za-z0-9]/.test(e)) return { chars: ANY, nullable: false, end: skipEscape(s, i) };
    return { chars: new Set([e.charCodeAt(0)]), nullable: false, end: i + 2 };
  }
  if (c === '[') return { chars: ANY, nullable: false, end: skipClass(s, i) };
  if (c === '(') {
    let j = i + 1;
    let look = false;
    if (s[j] === '?') {
      if (s[j + 1] === ':') j += 2;
      else if (s[j + 1] === '<' && s[j + 2] !== '=' && s[j + 2] !== '!') j = s.indexOf('>', j) + 1;
      else { look = true; j += 2; if (s[j - 1] === '<') j++; }
    }
    const inner = alternation(s, j);
    if (s[inner.end] !== ')') throw new Error('unbalanced group');
    return look ? { chars: ANY, nullable: true, end: inner.end + 1 } : { ...inner, end: inner.end + 1 };
  }
  if (c === '.' || c === '^' || c === '$') return { chars: ANY, nullable: false, end: i + 1 };
  return { chars: new Set([s.charCodeAt(i)]), nullable: false, end: i + 1 };
}

function skipEscape(s: string, i: number): number {
  const e = s[i + 1];
  if (e === 'x') return i + 4;
  if (e === 'u') return s[i + 2] === '{' ? s.indexOf('}', i) + 1 : i + 6;
  if (e === 'c') return i + 3;
  if ((e === 'p' || e === 'P') && s[i + 2] === '{') return s.indexOf('}', i) + 1;
  if (e === 'k' && s[i + 2] === '<') return s.indexOf('>', i) + 1;
  return i + 2;
}

function skipClass(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') { j++; continue; }
    if (s[j] === ']') return j + 1;
  }
  throw new Error('unterminated class');
}
