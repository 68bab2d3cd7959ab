/**
 * `vigil rules test [--rules DIR]`: runs every detection rule's cases (beside each rule:
 * <id>.cases.yaml, see src/rules/cases.ts) and the decoders' cases (src/decoders/cases.ts,
 * when present), printing one line per failing case; exit 1 if any fails, 2 on bad usage.
 * DIR is a detections folder, or a ruleset root holding detections/ and decoders/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from './args.js';
import { RULESET_DIR } from '../paths.js';
import { runRuleCases } from '../rules/cases.js';

const HELP = `usage: vigil rules test [--rules DIR]

Runs every detection rule's test cases and every decoder's test cases; prints each failing
case and exits 1 if any fails.
  --rules DIR   detections folder, or a ruleset root with detections/ and decoders/
                (default: the built-in ruleset)
`;

type DecoderCases = (dir: string) => { passed: number; failures: string[] } | Promise<{ passed: number; failures: string[] }>;

export async function run(argv: string[]): Promise<number> {
  let dir: string;
  try {
    const args = parseArgs(argv, { rules: 'string' });
    if (args.help) { process.stdout.write(HELP); return 0; }
    const [sub, ...extra] = args.positionals;
    if (sub !== 'test') throw new UsageError(sub === undefined ? 'missing subcommand (vigil rules test)' : `unknown subcommand ${JSON.stringify(sub)} (use: test)`);
    if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    dir = typeof args.flags.rules === 'string' ? args.flags.rules : RULESET_DIR;
    if (!existsSync(dir)) throw new UsageError(`--rules: no such folder ${dir}`);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`vigil rules: ${e.message}\n`); return 2; }
    throw e;
  }
  const detections = existsSync(join(dir, 'detections')) ? join(dir, 'detections') : dir;
  // runDecoderCases takes a ruleset root (it reads <root>/decoders).
  const decoderRoot = existsSync(join(dir, 'decoders')) ? dir : RULESET_DIR;
  const failures: string[] = [];
  const r = runRuleCases(detections);
  failures.push(...r.failures.map((f) => `rule ${f}`));
  let decoderPassed = 0;
  const runDecoderCases = await loadDecoderCases();
  if (runDecoderCases) {
    try {
      const d = await runDecoderCases(decoderRoot);
      decoderPassed = d.passed;
      failures.push(...d.failures.map((f) => `decoder ${f}`));
    } catch (e) { failures.push(`decoder cases: ${(e as Error).message}`); }
  } else {
    process.stderr.write('vigil rules: decoder cases unavailable in this build (src/decoders/cases.ts missing)\n');
  }
  for (const f of failures) process.stdout.write(`FAIL ${f}\n`);
  process.stdout.write(`${r.passed} rule case(s) passed, ${decoderPassed} decoder case(s) passed, ${failures.length} failure(s)\n`);
  return failures.length ? 1 : 0;
}

/** The decoders' case runner, if that module exists yet (guarded: another engineer's file). */
async function loadDecoderCases(): Promise<DecoderCases | null> {
  const spec = '../decoders/cases.js';
  try {
    const mod = (await import(spec)) as { runDecoderCases?: DecoderCases };
    return typeof mod.runDecoderCases === 'function' ? mod.runDecoderCases : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw e;
  }
}
