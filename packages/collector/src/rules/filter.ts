/**
 * Filters as data: compiles a rule's `where` map once into a predicate over flat ECS fields.
 * Per field: a scalar (equality), a list (membership), null (absent) or an operator map
 * { eq, in, exists, cidr, regex, prefix, gt, gte, lt, lte, not }; `$any: [...]`, `$all`
 * and `$not` combine maps. An array-valued field (event.category) matches when any element
 * does. Rule text is never evaluated as code; errors name the key at fault. The compiled
 * terms are a process-wide cache of pure predicates (no collector state).
 */
import { matchesAny, parseCidr, type Cidr } from './cidr.js';
import type { EcsFields } from '../model.js';

export type Predicate = (f: EcsFields) => boolean;

export class FilterError extends Error {}

/** Equality/membership/exists terms at the top level of a where map, for the rule index. */
export interface IndexHint { field: string; values: string[] | 'exists' }

type Test = (v: unknown) => boolean;

const OPS = new Set(['eq', 'in', 'exists', 'cidr', 'regex', 'prefix', 'gt', 'gte', 'lt', 'lte', 'not']);

export function compileWhere(where: unknown, path = 'where'): Predicate {
  if (where === undefined || where === null) return () => true;
  if (typeof where !== 'object' || Array.isArray(where)) throw new FilterError(`${path}: expected a map of field conditions`);
  const parts: Predicate[] = [];
  for (const [key, cond] of Object.entries(where as Record<string, unknown>)) {
    const at = `${path}.${key}`;
    if (key === '$any' || key === '$all') {
      if (!Array.isArray(cond) || cond.length === 0) throw new FilterError(`${at}: expected a non-empty list of maps`);
      const subs = cond.map((c, i) => compileWhere(c, `${at}[${i}]`));
      parts.push(key === '$any' ? (f) => subs.some((p) => p(f)) : (f) => subs.every((p) => p(f)));
    } else if (key === '$not') {
      const sub = compileWhere(cond, at);
      parts.push((f) => !sub(f));
    } else {
      if (key.startsWith('$')) throw new FilterError(`${at}: unknown combinator (use $any, $all, $not)`);
      parts.push(fieldTerm(key, cond, at));
    }
  }
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) { const [a, b] = parts; return (f) => a(f) && b(f); }
  if (parts.length === 3) { const [a, b, c] = parts; return (f) => a(f) && b(f) && c(f); }
  return (f) => { for (let i = 0; i < parts.length; i++) if (!parts[i](f)) return false; return true; };
}

/**
 * One `field: condition` term. Rules share terms (the SSH rules all test event.category,
 * event.outcome and process.name), so identical terms compile to one predicate that keeps
 * its answer for the last event: an event is tested once per term, not once per rule.
 * Event field objects are not mutated once offered to the engine.
 */
const terms = new Map<string, Predicate>();

function fieldTerm(key: string, cond: unknown, at: string): Predicate {
  const id = `${key}\0${JSON.stringify(cond)}`;
  let p = terms.get(id);
  if (p !== undefined) return p;
  const test = compileCond(cond, at);
  let raw: Predicate;
  if (cond === null || (isMap(cond) && (cond as Record<string, unknown>).exists === false)) {
    raw = (f) => test(f[key]);
  } else {
    raw = (f) => {
      const v = f[key];
      if (v === undefined || v === null) return test(undefined);
      if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) if (test(v[i])) return true; return false; }
      return test(v);
    };
  }
  let lastF: EcsFields | null = null;
  let lastR = false;
  p = (f) => { if (f !== lastF) { lastF = f; lastR = raw(f); } return lastR; };
  if (terms.size >= 10_000) terms.clear();
  terms.set(id, p);
  return p;
}

function isMap(v: unknown): boolean { return typeof v === 'object' && v !== null && !Array.isArray(v); }

function scalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function setTest(values: unknown[], at: string): Test {
  const set = new Set<string>();
  for (const v of values) {
    if (!scalar(v)) throw new FilterError(`${at}: list items must be strings, numbers or booleans`);
    set.add(String(v));
  }
  if (set.size === 1) {
    const only = [...set][0];
    return (v) => v === only || (v !== undefined && typeof v !== 'string' && String(v) === only);
  }
  return (v) => v !== undefined && set.has(typeof v === 'string' ? v : String(v));
}

function num(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FilterError(`${at}: expected a number`);
  return v;
}

function compileCond(cond: unknown, at: string): Test {
  if (cond === null) return (v) => v === undefined || v === null;
  if (scalar(cond)) return setTest([cond], at);
  if (Array.isArray(cond)) {
    if (cond.length === 0) throw new FilterError(`${at}: empty list`);
    return setTest(cond, at);
  }
  const ops = cond as Record<string, unknown>;
  const tests: Test[] = [];
  for (const [op, arg] of Object.entries(ops)) {
    const a = `${at}.${op}`;
    if (!OPS.has(op)) throw new FilterError(`${a}: unknown operator (use ${[...OPS].join(', ')})`);
    switch (op) {
      case 'eq': if (!scalar(arg)) throw new FilterError(`${a}: expected a scalar`); tests.push(setTest([arg], a)); break;
      case 'in': if (!Array.isArray(arg) || !arg.length) throw new FilterError(`${a}: expected a non-empty list`); tests.push(setTest(arg, a)); break;
      case 'exists':
        if (typeof arg !== 'boolean') throw new FilterError(`${a}: expected true or false`);
        tests.push(arg ? (v) => v !== undefined && v !== null && v !== '' : (v) => v === undefined || v === null || v === '');
        break;
      case 'cidr': {
        const list = Array.isArray(arg) ? arg : [arg];
        const cidrs: Cidr[] = list.map((c) => {
          const p = typeof c === 'string' ? parseCidr(c) : null;
          if (!p) throw new FilterError(`${a}: '${String(c)}' is not an address or CIDR range`);
          return p;
        });
        tests.push((v) => typeof v === 'string' && matchesAny(v, cidrs));
        break;
      }
      case 'regex': {
        if (typeof arg !== 'string') throw new FilterError(`${a}: expected a pattern string`);
        let re: RegExp;
        try { re = new RegExp(arg); } catch (e) { throw new FilterError(`${a}: ${(e as Error).message}`); }
        tests.push((v) => v !== undefined && re.test(String(v)));
        break;
      }
      case 'prefix': {
        if (typeof arg !== 'string') throw new FilterError(`${a}: expected a string`);
        tests.push((v) => typeof v === 'string' && v.startsWith(arg));
        break;
      }
      case 'gt': { const n = num(arg, a); tests.push((v) => v !== undefined && Number(v) > n); break; }
      case 'gte': { const n = num(arg, a); tests.push((v) => v !== undefined && Number(v) >= n); break; }
      case 'lt': { const n = num(arg, a); tests.push((v) => v !== undefined && Number(v) < n); break; }
      case 'lte': { const n = num(arg, a); tests.push((v) => v !== undefined && Number(v) <= n); break; }
      case 'not': { const t = compileCond(arg, a); tests.push((v) => !t(v)); break; }
    }
  }
  if (tests.length === 0) throw new FilterError(`${at}: empty condition`);
  return tests.length === 1 ? tests[0] : (v) => tests.every((t) => t(v));
}

/** Top-level terms of a where map usable as index keys. */
export function indexHints(where: Record<string, unknown> | undefined): IndexHint[] {
  const out: IndexHint[] = [];
  for (const [field, cond] of Object.entries(where ?? {})) {
    if (field.startsWith('$')) continue;
    if (scalar(cond)) out.push({ field, values: [String(cond)] });
    else if (Array.isArray(cond)) out.push({ field, values: cond.map(String) });
    else if (isMap(cond)) {
      const c = cond as Record<string, unknown>;
      if (c.exists === true || 'cidr' in c || 'gt' in c || 'gte' in c || 'lt' in c || 'lte' in c || 'prefix' in c) out.push({ field, values: 'exists' });
      else if (scalar(c.eq)) out.push({ field, values: [String(c.eq)] });
      else if (Array.isArray(c.in)) out.push({ field, values: c.in.map(String) });
    }
  }
  return out;
}
