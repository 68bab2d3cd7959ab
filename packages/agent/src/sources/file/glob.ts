/**
 * A small glob matcher and expander for configured paths (Node 20 has no fs.glob).
 * `*` and `?` match within one path component (never `/`, and not a leading dot),
 * `[abc]`, `[a-z]` and `[!x]` match one character; `**` is treated as `*`.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

const GLOB_CHARS = /[*?[]/;

export interface CompiledGlob {
  /** The absolute pattern. */
  pattern: string;
  /** The deepest directory without glob characters (where watching starts). */
  baseDir: string;
  /** One entry per component after the root: a literal name or a matcher. */
  parts: Array<string | RegExp>;
  /** Whole-path matcher. */
  full: RegExp;
}

export function hasGlob(s: string): boolean {
  return GLOB_CHARS.test(s);
}

/** Converts one path component's glob into a RegExp source (no anchors). */
function componentSource(c: string): string {
  let out = '';
  for (let i = 0; i < c.length; i++) {
    const ch = c[i];
    if (ch === '*') {
      while (c[i + 1] === '*') i++;
      out += out === '' ? '(?!\\.)[^/]*' : '[^/]*';
    } else if (ch === '?') {
      out += out === '' ? '(?!\\.)[^/]' : '[^/]';
    } else if (ch === '[') {
      const close = c.indexOf(']', i + 2);
      if (close === -1) { out += '\\['; continue; }
      let body = c.slice(i + 1, close);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      body = body.replace(/[\\\]^]/g, (m) => '\\' + m);
      out += negate ? `[^/${body}]` : `[${body}]`;
      i = close;
    } else {
      out += ch.replace(/[.+^${}()|\\\]]/g, (m) => '\\' + m);
    }
  }
  return out;
}

export function compileGlob(pattern: string): CompiledGlob {
  const abs = resolve(pattern);
  const comps = abs.split(sep).filter((c) => c !== '');
  const parts = comps.map((c) => (hasGlob(c) ? new RegExp('^' + componentSource(c) + '$') : c));
  const firstGlob = parts.findIndex((p) => p instanceof RegExp);
  const baseDir = firstGlob === -1 ? dirname(abs) : sep + comps.slice(0, firstGlob).join(sep);
  const full = new RegExp('^/' + comps.map(componentSource).join('/') + '$');
  return { pattern: abs, baseDir, parts, full };
}

/** A matcher of file base names (`*.gz`, `*.[0-9]`): one component's glob, anchored. */
export function compileNameGlob(pattern: string): RegExp {
  return new RegExp('^' + componentSource(pattern) + '$');
}

/**
 * Lists what currently matches, directories left out (sorted, absolute paths). Symlinks,
 * fifos and the like are listed: whether one is read is the caller's decision.
 */
export function expandGlob(g: CompiledGlob): string[] {
  let dirs = ['/'];
  for (let i = 0; i < g.parts.length; i++) {
    const part = g.parts[i];
    const last = i === g.parts.length - 1;
    const next: string[] = [];
    for (const d of dirs) {
      if (typeof part === 'string') {
        next.push(d === '/' ? '/' + part : d + '/' + part);
        continue;
      }
      let names: string[];
      try { names = readdirSync(d); } catch { continue; }
      for (const n of names) if (part.test(n)) next.push(d === '/' ? '/' + n : d + '/' + n);
    }
    dirs = last ? next : next.filter(isDir);
  }
  return dirs.filter(isEntry).sort();
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

function isEntry(p: string): boolean {
  try { return !lstatSync(p).isDirectory(); } catch { return false; }
}
