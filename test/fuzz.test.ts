// The fuzzers, short (`npm run fuzz` runs them long): every saved regression input
// (packages/*/test/fuzz-regressions/TARGET/*) still passes its target, and each target
// fuzzed for a few seconds finds no crash and no hang.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/procs.js';

const TARGETS_MODULE = join(ROOT, 'fuzz/targets.mjs');
const { TARGETS } = await import(TARGETS_MODULE);
const { fuzz } = await import(join(ROOT, 'fuzz/engine.mjs'));
const out = mkdtempSync(join(tmpdir(), 'vigil-fuzz-ci-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function regressions(target: string): string[] {
  const files: string[] = [];
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const dir = join(ROOT, 'packages', pkg, 'test/fuzz-regressions', target);
    if (existsSync(dir)) for (const f of readdirSync(dir)) files.push(join(dir, f));
  }
  return files;
}

describe.each(Object.keys(TARGETS))('fuzz target %s', (target) => {
  it('replays its regression inputs', () => {
    for (const f of regressions(target)) expect(() => TARGETS[target].run(readFileSync(f)), f).not.toThrow();
  });
  it('survives 3 s of fuzzing', async () => {
    const r = await fuzz({ target, targetsModule: TARGETS_MODULE, seconds: 3, seed: 1, // fixed: CI repeats one search; `npm run fuzz` explores further
      outDir: out, budgetMs: 5000 });
    expect(r.execs).toBeGreaterThan(20);
    expect(r.features).toBeGreaterThan(0);
    expect([...r.crashes, ...r.hangs].map((c: { sig: string }) => c.sig)).toEqual([]);
  }, 30_000);
});
