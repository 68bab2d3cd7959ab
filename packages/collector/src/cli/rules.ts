/**
 * `vigil rules test [--rules DIR]`: runs every detection rule's cases (<id>.cases.yaml
 * beside each rule), every decoder's cases and every compliance check's cases, printing
 * one line per failing case; exit 1 if any fails, 2 on bad usage. DIR is a detections
 * folder, or a ruleset root holding detections/, decoders/ and compliance/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from './args.js';
import { RULESET_DIR } from '../paths.js';
import { runRuleCases } from '../rules/cases.js';
import { runDecoderCases } from '../decoders/cases.js';
import { runComplianceCases } from '../compliance/cases.js';

const HELP = `usage: vigil rules test [--rules DIR]

Runs every detection rule's, decoder's and compliance check's test cases; prints each
failing case and exits 1 if any fails.
  --rules DIR   detections folder, or a ruleset root with detections/, decoders/, compliance/
                (default: the built-in ruleset)
`;

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
  // A detections folder alone is checked with the built-in decoders and compliance checks.
  const root = (sub: string) => (existsSync(join(dir, sub)) ? dir : RULESET_DIR);
  const failures: string[] = [];
  const count = (label: string, run: () => { passed: number; failures: string[] }): number => {
    try {
      const r = run();
      failures.push(...r.failures.map((f) => `${label} ${f}`));
      return r.passed;
    } catch (e) { failures.push(`${label} cases: ${(e as Error).message}`); return 0; }
  };
  const rules = count('rule', () => runRuleCases(detections));
  const decoders = count('decoder', () => runDecoderCases(root('decoders')));
  const compliance = count('compliance', () => runComplianceCases(root('compliance')));
  for (const f of failures) process.stdout.write(`FAIL ${f}\n`);
  process.stdout.write(`${rules} rule, ${decoders} decoder and ${compliance} compliance case(s) passed, ${failures.length} failure(s)\n`);
  return failures.length ? 1 : 0;
}
