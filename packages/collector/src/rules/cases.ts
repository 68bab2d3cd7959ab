/**
 * Runs the rule pack's own test cases: each rule `<id>.yaml` has `<id>.md` (its doc) and
 * `<id>.cases.yaml` beside it, whose cases give ECS events (with relative times, repeats
 * and shared defaults) or raw lines with a type, and the alerts expected from that rule
 * alone (a quiet case expects none); the rules it names in suppressed_by run beside it.
 * Used by `vigil rules test` and the unit tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createDecoder } from '../decoders/index.js';
import { DEFAULT_GLOBAL_ALLOWLIST } from './allowlist.js';
import { parseDuration } from '@vigil/proto';
import { RuleEngine } from './engine.js';
import { compileRule, loadRuleSpecs } from './loader.js';
import type { EcsFields } from '../model.js';
import type { AlertUpdate, RuleSpec } from './types.js';

export interface CaseResult { passed: number; failed: number; failures: string[] }

interface Expect { group?: Record<string, string>; count?: number; status?: string; evidence?: number[] }
interface Case {
  name: string; start?: string; until?: string | number;
  events?: Array<Record<string, unknown>>; lines?: { type: string; text: string };
  expect: Expect[];
}

export function runRuleCases(dir: string, only?: string): CaseResult {
  const res: CaseResult = { passed: 0, failed: 0, failures: [] };
  let specs: RuleSpec[];
  try { specs = loadRuleSpecs(dir); } catch (e) { return { passed: 0, failed: 1, failures: [(e as Error).message] }; }
  for (const spec of specs) {
    if (only && spec.id !== only) continue;
    const fail = (msg: string) => { res.failed++; res.failures.push(`${spec.id}: ${msg}`); };
    if (!existsSync(join(dir, `${spec.id}.md`))) fail(`missing doc ${spec.id}.md`);
    const file = join(dir, `${spec.id}.cases.yaml`);
    if (!existsSync(file)) { fail(`missing cases file ${spec.id}.cases.yaml`); continue; }
    let doc: { defaults?: Record<string, unknown>; cases?: Case[] };
    try { doc = parse(readFileSync(file, 'utf8')) ?? {}; } catch (e) { fail(`${file}: ${(e as Error).message.split('\n')[0]}`); continue; }
    const cases = doc.cases ?? [];
    if (!cases.some((c) => c.expect?.length) || !cases.some((c) => Array.isArray(c.expect) && c.expect.length === 0)) {
      fail('needs at least one firing case and one quiet case (expect: [])');
    }
    for (const c of cases) {
      try {
        const err = runCase(spec, specs, c, doc.defaults ?? {});
        if (err) fail(`case '${c.name}': ${err}`); else res.passed++;
      } catch (e) { fail(`case '${c.name}': ${(e as Error).message}`); }
    }
  }
  return res;
}

/** Runs the rule with the rules that may suppress it (suppressed_by); only its own alerts are compared. */
function runCase(spec: RuleSpec, all: RuleSpec[], c: Case, defaults: Record<string, unknown>): string | null {
  const with_ = [spec, ...all.filter((s) => spec.suppressedBy.includes(s.id))];
  const engine = new RuleEngine(with_.map((s) => compileRule(s, DEFAULT_GLOBAL_ALLOWLIST)), { latenessMs: 0 });
  const start = Date.parse(c.start ?? '2026-01-15T10:00:00Z');
  if (Number.isNaN(start)) return `start: '${c.start}' is not an RFC 3339 time`;
  const events = c.lines ? decodeLines(c.lines, start) : expandEvents(c.events ?? [], defaults, start);
  events.forEach((fields, i) => engine.ingest({ id: i, fields }));
  if (c.until !== undefined) {
    const ms = parseDuration(c.until);
    if (ms === undefined) return `until: '${c.until}' is not a duration`;
    engine.advanceTo(start + ms);
  }
  const finals = new Map<string, AlertUpdate>();
  for (const u of engine.drain()) if (u.rule.id === spec.id) finals.set(u.id, u);
  return compare([...finals.values()], c.expect ?? []);
}

function expandEvents(list: Array<Record<string, unknown>>, defaults: Record<string, unknown>, start: number): EcsFields[] {
  const out: EcsFields[] = [];
  let t = start - 1000;
  for (const raw of list) {
    const { at, repeat, every, ...fields } = raw;
    const step = every === undefined ? 1000 : parseDuration(every);
    if (step === undefined) throw new Error(`every: '${String(every)}' is not a duration`);
    if (at !== undefined) {
      const off = parseDuration(at);
      if (off === undefined) throw new Error(`at: '${String(at)}' is not a duration`);
      t = start + off;
    } else t += 1000;
    const n = repeat === undefined ? 1 : Number(repeat);
    for (let i = 0; i < n; i++) {
      if (i > 0) t += step;
      out.push({ '@timestamp': new Date(t).toISOString(), ...defaults, ...fields });
    }
  }
  return out;
}

function decodeLines(l: { type: string; text: string }, start: number): EcsFields[] {
  const d = createDecoder(l.type);
  let offset = 0;
  return l.text.split('\n').filter((s) => s.trim()).map((text) => {
    const f = d.decode(text, { readTimeMs: start, offset });
    offset += Buffer.byteLength(text) + 1;
    return f;
  });
}

function compare(got: AlertUpdate[], want: Expect[]): string | null {
  const show = () => JSON.stringify(got.map((a) => ({ group: a.group, count: a.count, status: a.status })));
  if (got.length !== want.length) return `expected ${want.length} alert(s), got ${got.length}: ${show()}`;
  for (let i = 0; i < want.length; i++) {
    const w = want[i], g = got[i];
    if (w.group && JSON.stringify(sortKeys(w.group)) !== JSON.stringify(sortKeys(g.group))) return `alert ${i}: group ${JSON.stringify(g.group)}, expected ${JSON.stringify(w.group)}`;
    if (w.count !== undefined && w.count !== g.count) return `alert ${i}: count ${g.count}, expected ${w.count}`;
    if (w.status !== undefined && w.status !== g.status) return `alert ${i}: status ${g.status}, expected ${w.status}`;
    if (w.evidence && JSON.stringify(w.evidence) !== JSON.stringify(g.evidence)) return `alert ${i}: evidence ${JSON.stringify(g.evidence)}, expected ${JSON.stringify(w.evidence)}`;
  }
  return null;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, String(o[k])]));
}
