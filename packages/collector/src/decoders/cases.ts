/**
 * Runs the decoders' test cases: every ruleset/decoders/<name>.cases.yaml holds a log type
 * and cases (one line, or a sequence of lines through one stream decoder) with the fields
 * expected for the last line or for each line (`null` = the key must be absent).
 * `./vigil rules test` and the vitest suite both call runDecoderCases.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RULESET_DIR } from '../paths.js';
import { createDecoder } from './index.js';
import { parseIso } from './time.js';

interface CaseDoc { name?: string; line?: string; lines?: string[]; expect?: Record<string, unknown> | Array<Record<string, unknown> | null> }
interface CasesFile { type?: string; read_time?: string; cases?: CaseDoc[] }

const DEFAULT_READ_TIME = '2026-01-15T00:00:00Z';

export function runDecoderCases(rulesetDir: string = RULESET_DIR): { passed: number; failures: string[] } {
  const dir = join(rulesetDir, 'decoders');
  const failures: string[] = [];
  let passed = 0;
  let files: string[] = [];
  try { files = readdirSync(dir).filter((f) => f.endsWith('.cases.yaml')).sort(); } catch (err) {
    return { passed, failures: [`${dir}: ${(err as Error).message}`] };
  }
  for (const file of files) {
    let doc: CasesFile;
    try { doc = (parse(readFileSync(join(dir, file), 'utf8')) ?? {}) as CasesFile; } catch (err) {
      failures.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    const readTimeMs = parseIso(doc.read_time ?? DEFAULT_READ_TIME)?.ms ?? Date.now();
    (doc.cases ?? []).forEach((c, i) => {
      const label = `${file} #${i + 1}${c.name ? ` (${c.name})` : ''}`;
      try {
        const problems = runCase(dir, doc.type ?? 'auth', c, readTimeMs);
        if (problems.length === 0) passed++;
        else failures.push(`${label}: ${problems.join('; ')}`);
      } catch (err) {
        failures.push(`${label}: ${(err as Error).message}`);
      }
    });
  }
  return { passed, failures };
}

function runCase(dir: string, type: string, c: CaseDoc, readTimeMs: number): string[] {
  const lines = c.lines ?? (c.line !== undefined ? [c.line] : []);
  if (lines.length === 0) return ['no line'];
  const decoder = createDecoder(type, dir);
  const events = lines.map((l, k) => decoder.decode(l, { readTimeMs, offset: k }));
  const expects = Array.isArray(c.expect) ? c.expect : lines.map((_, k) => (k === lines.length - 1 ? c.expect ?? {} : null));
  const problems: string[] = [];
  expects.forEach((exp, k) => {
    if (!exp) return;
    const ev = events[k] ?? {};
    for (const [key, want] of Object.entries(exp)) {
      const got = ev[key];
      if (want === null ? got !== undefined : JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(`line ${k + 1} ${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      }
    }
  });
  return problems;
}
