/**
 * Loads the decoder data files (ruleset/decoders/*.yaml, not *.cases.yaml) and compiles
 * them once per folder: each pattern's regex, literal pre-checks, constant fields and the
 * capture-group → ECS key map, indexed by program name for one `--type`. Named groups use
 * `_` for `.` and `__` for `_` (`user_name` → `user.name`, `process_exit__code` →
 * `process.exit_code`) unless the pattern's `map` says otherwise. The compiled rulesets
 * are a process-wide cache of pure data (regexes, key maps) keyed by folder and type.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileWriter } from './applier.js';
import { coercionOf, write } from './fields.js';
import type { CompiledPattern, CompiledRuleset, SshRole } from './types.js';
import { firstChars } from './first-chars.js';
import { captureNames, withoutGroupNames } from './regex-groups.js';

export type { CompiledPattern, CompiledRuleset, SshRole } from './types.js';

const SSH_ROLES = ['attempt', 'probe', 'announce', 'echo', 'restate', 'close'];

interface PatternDoc {
  id?: string; starts?: string | string[]; contains?: string | string[]; regex?: string;
  fields?: Record<string, unknown>; map?: Record<string, string>; ssh?: SshRole; trace?: boolean;
}
interface DecoderDoc {
  name?: string; types?: string[]; programs?: string[]; patterns?: PatternDoc[];
  /** Regex source put before every pattern's regex (a shared line prefix). */
  prefix?: string;
  /** Group → ECS key entries shared by every pattern. */
  map?: Record<string, string>;
}

const cache = new Map<string, CompiledRuleset>();

export class RulesetError extends Error {}

/** The compiled decoders of `dir` for one log type (cached). Throws RulesetError on bad files. */
export function loadRuleset(dir: string, type: string): CompiledRuleset {
  const key = `${dir}\0${type}`;
  let rs = cache.get(key);
  if (!rs) {
    rs = compile(readDecoderFiles(dir), type);
    cache.set(key, rs);
  }
  return rs;
}

export function readDecoderFiles(dir: string): Array<{ file: string; doc: DecoderDoc }> {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names
    .filter((n) => n.endsWith('.yaml') && !n.endsWith('.cases.yaml'))
    .sort()
    .map((file) => {
      try {
        return { file, doc: (parse(readFileSync(join(dir, file), 'utf8'), { merge: true }) ?? {}) as DecoderDoc };
      } catch (err) {
        throw new RulesetError(`${file}: ${(err as Error).message}`);
      }
    });
}

function compile(files: Array<{ file: string; doc: DecoderDoc }>, type: string): CompiledRuleset {
  const rs: CompiledRuleset = { byProgram: new Map(), anyProgram: [], noProgram: [] };
  for (const { file, doc } of files) {
    if (!Array.isArray(doc.types) || !doc.types.includes(type)) continue;
    const name = doc.name ?? file.replace(/\.yaml$/, '');
    const patterns = (doc.patterns ?? []).map((p, i) => compilePattern(file, name, p, i, doc));
    for (const prog of doc.programs ?? ['*']) {
      if (prog === '*') rs.anyProgram.push(...patterns);
      else if (prog === '') rs.noProgram.push(...patterns);
      else {
        const k = prog.toLowerCase();
        rs.byProgram.set(k, [...(rs.byProgram.get(k) ?? []), ...patterns]);
      }
    }
  }
  return rs;
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

function compilePattern(file: string, name: string, p: PatternDoc, i: number, doc: DecoderDoc): CompiledPattern {
  const id = `${name}/${p.id ?? i}`;
  if (typeof p.regex !== 'string') throw new RulesetError(`${file}: pattern ${id} has no regex`);
  const source = (doc.prefix ?? '') + p.regex;
  const map = { ...doc.map, ...p.map };
  let regex: RegExp;
  try {
    new RegExp(source, 's'); // errors name the groups as written
    // dotAll: a line is one string, so `.` also matches CR, U+2028/U+2029 and other line
    // terminators inside it (an attacker-chosen user name must not make a line undecodable).
    regex = new RegExp(withoutGroupNames(source), 's');
  } catch (err) {
    throw new RulesetError(`${file}: pattern ${id}: ${(err as Error).message}`);
  }
  const keys = captureNames(source).map((g) => (g === '' ? '' : map[g] ?? g.replace(/__/g, '\0').replace(/_/g, '.').replace(/\0/g, '_')));
  if (p.ssh !== undefined && !SSH_ROLES.includes(p.ssh)) {
    throw new RulesetError(`${file}: pattern ${id}: ssh must be one of ${SSH_ROLES.join(', ')}`);
  }
  if (p.trace !== undefined && typeof p.trace !== 'boolean') throw new RulesetError(`${file}: pattern ${id}: trace must be true or false`);
  const fields = Object.entries(p.fields ?? {});
  const coerce = keys.map(coercionOf);
  const fieldKeys = fields.map((f) => f[0]), fieldValues = fields.map((f) => f[1]);
  const consts = p.fields ?? {};
  const cat = consts['event.category'];
  return {
    failure: keys.includes('event.outcome') ? null : consts['event.outcome'] === 'failure',
    auth: keys.includes('event.category') ? null : cat === 'authentication' || (Array.isArray(cat) && cat.includes('authentication')),
    trace: p.trace === true,
    id, regex, keys, ssh: p.ssh, coerce,
    starts: list(p.starts), contains: list(p.contains),
    fields, fieldKeys, fieldValues,
    write: compileWriter(id, fieldKeys, fieldValues, keys, coerce, write),
    first: firstChars(source),
  };
}

/** The pattern's cheap literal pre-checks (prefixes, substrings) before its regex runs. */
export function literalsMatch(p: CompiledPattern, msg: string): boolean {
  const st = p.starts;
  for (let k = 0; k < st.length; k++) if (!msg.startsWith(st[k])) return false;
  const ct = p.contains;
  for (let k = 0; k < ct.length; k++) if (!msg.includes(ct[k])) return false;
  return true;
}

/** First pattern of `list` that matches `msg`, with its match. */
export function firstMatch(list: CompiledPattern[], msg: string): { p: CompiledPattern; m: RegExpExecArray } | undefined {
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (!literalsMatch(p, msg)) continue;
    const m = p.regex.exec(msg);
    if (m) return { p, m };
  }
  return undefined;
}
