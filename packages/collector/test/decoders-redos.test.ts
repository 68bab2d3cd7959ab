/**
 * A bound against quadratic (or worse) backtracking: every pattern of every
 * ruleset/decoders/*.yaml runs on crafted 64 KiB lines (its literal start, then long runs of
 * spaces, ` for `, ` from ` and of its own separators, then `x`; also after each separator
 * of a case line it matches, so the run reaches the pattern's tail) and must answer in under
 * 50 ms (the minimum of a few runs, so a busy machine does not flake it). Not a speed test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createDecoder } from '../src/decoders/index.js';
import { readDecoderFiles } from '../src/decoders/ruleset.js';
import { withoutGroupNames } from '../src/decoders/regex-groups.js';
import { RULESET_DIR } from '../src/paths.js';

const SIZE = 64 * 1024;
const BOUND_MS = 50;
const META = new Set([...'\\^$.|?*+()[]{}']);

/** The literal runs of a regex source (escapes of punctuation unescaped), longest first. */
export function literals(source: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0; // inside [...]
  const flush = () => { if (cur.length >= 2 || cur === ' ') out.push(cur); cur = ''; };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (depth > 0) { if (ch === '\\') i++; else if (ch === ']') depth = 0; continue; }
    if (ch === '\\') {
      const nx = source[i + 1] ?? '';
      i++;
      if (/[A-Za-z0-9]/.test(nx)) flush(); else cur += nx;
      continue;
    }
    if (ch === '[') { flush(); depth = 1; continue; }
    if (ch === '(' && source[i + 1] === '?') {
      flush();
      const m = /^\(\?(?:<[A-Za-z_]\w*>|[:=!]|<[=!])/.exec(source.slice(i));
      if (m) i += m[0].length - 1;
      continue;
    }
    if (META.has(ch)) {
      // a quantifier makes the last char optional: it is not part of the literal
      if ('?*+{'.includes(ch) && cur.length > 0) cur = cur.slice(0, -1);
      flush();
      continue;
    }
    cur += ch;
  }
  flush();
  return [...new Set(out)];
}

/** The text a matching line starts with: the pattern's `starts`, else its regex's leading literal. */
function start(regex: string, starts: unknown): string {
  if (typeof starts === 'string') return starts;
  if (Array.isArray(starts) && typeof starts[0] === 'string') return starts[0];
  if (!regex.startsWith('^')) return '';
  return literals(regex.slice(1).split(/[(\[.\\]/)[0] || '')[0] ?? '';
}

function fill(head: string, unit: string): string {
  const n = Math.max(1, Math.floor((SIZE - head.length - 1) / unit.length));
  return head + unit.repeat(n) + 'x';
}

function minMs(re: RegExp, line: string): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    re.exec(line);
    best = Math.min(best, performance.now() - t0);
    if (best < BOUND_MS) break; // fast enough once is proof
  }
  return best;
}

const DIR = join(RULESET_DIR, 'decoders');

/** Messages of the decoder cases per pattern (`file-name/id` as vigil.decoder names it). */
function caseMessages(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.cases.yaml'))) {
    const doc = parse(readFileSync(join(DIR, f), 'utf8')) as { type?: string; cases?: Array<{ line?: string; lines?: string[] }> };
    for (const c of doc.cases ?? []) {
      const d = createDecoder(doc.type ?? 'auth');
      for (const l of c.lines ?? (c.line !== undefined ? [c.line] : [])) {
        if (typeof l !== 'string') continue;
        const ev = d.decode(l, { readTimeMs: 0, offset: 0 });
        const id = ev['vigil.decoder'], msg = ev.message;
        if (typeof id !== 'string' || typeof msg !== 'string') continue;
        const list = out.get(id) ?? [];
        if (list.length < 4) list.push(msg.replace(/^message repeated \d+ times: \[ ?|\]$/g, ''));
        out.set(id, list);
      }
    }
  }
  return out;
}

/** Heads that reach into the pattern: a sample cut right after each of its separators. */
function sampleHeads(samples: string[], seps: string[]): string[] {
  const heads = new Set<string>();
  for (const m of samples) {
    for (const sep of seps) {
      const at = m.indexOf(sep);
      if (at >= 0) heads.add(m.slice(0, at + sep.length));
    }
  }
  return [...heads];
}

const patterns = readDecoderFiles(join(RULESET_DIR, 'decoders')).flatMap(({ file, doc }) =>
  ((doc as { patterns?: Array<{ id?: string; regex?: string; starts?: unknown }> }).patterns ?? [])
    .filter((p) => typeof p.regex === 'string')
    .map((p) => ({ name: `${file} ${p.id}`, id: `${file.replace(/\.yaml$/, '')}/${p.id}`, regex: p.regex!, starts: p.starts })));

describe('decoder patterns on crafted 64 KiB lines', () => {
  it('finds the patterns and their separators', () => {
    expect(patterns.length).toBeGreaterThan(100);
    expect(literals('^PAM: (?<e>.+?) for (?:illegal user )?(?<u>.*) from (?<a>\\S+?)\\s*$')).toEqual(['PAM: ', ' for ', 'illegal user ', ' from ']);
  });

  it(`every pattern answers in under ${BOUND_MS} ms`, () => {
    const slow: string[] = [];
    const samples = caseMessages();
    for (const p of patterns) {
      const re = new RegExp(withoutGroupNames(p.regex), 's');
      const head = start(p.regex, p.starts);
      const seps = literals(p.regex);
      const units = new Set([' ', ' for ', ' from ', ' port ', ...seps]);
      const heads = new Set([head, '', ...sampleHeads(samples.get(p.id) ?? [], [...seps, ' '])]);
      search: for (const u of units) {
        for (const h of heads) {
          const ms = minMs(re, fill(h, u));
          if (ms >= BOUND_MS) {
            slow.push(`${p.name}: ${JSON.stringify(h)} + ${JSON.stringify(u)}* took ${ms.toFixed(0)} ms`);
            break search; // one witness per pattern is enough
          }
        }
      }
    }
    expect(slow).toEqual([]);
  }, 600_000);
});
