import { describe, expect, it } from 'vitest';
import { runComplianceCases } from '../src/compliance/cases.js';

describe('compliance check cases (ruleset/compliance/*.cases.yaml)', () => {
  it('every case of every check passes', () => {
    const { passed, failures } = runComplianceCases();
    expect(failures).toEqual([]);
    expect(passed).toBeGreaterThanOrEqual(40);
  });
});
