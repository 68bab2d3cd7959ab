import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runComplianceCases } from '../src/compliance/cases.js';
import { RULESET_DIR } from '../src/paths.js';

describe('compliance check cases (ruleset/compliance/*.cases.yaml)', () => {
  it('every check has cases beside it, and every case passes', () => {
    const dir = join(RULESET_DIR, 'compliance');
    const files = readdirSync(dir);
    const checks = files.filter((f) => f.endsWith('.yaml') && !f.endsWith('.cases.yaml'));
    for (const c of checks) expect(files, c).toContain(c.replace(/\.yaml$/, '.cases.yaml'));
    const total = files.filter((f) => f.endsWith('.cases.yaml'))
      .reduce((n, f) => n + (parse(readFileSync(join(dir, f), 'utf8')) as { cases: unknown[] }).cases.length, 0);
    const { passed, failures } = runComplianceCases();
    expect(failures).toEqual([]);
    expect(passed).toBe(total);
    expect(total).toBeGreaterThanOrEqual(45);
  });
});
