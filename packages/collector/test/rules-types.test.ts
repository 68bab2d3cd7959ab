// A rule type is one descriptor in RULE_TYPES: a type added to the table alone is accepted
// by the schema (its own keys, not others'), compiled, indexed and run by the engine; the
// docs' type list and per-type paragraph are the table's.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULE_TYPES, ruleTypeDocs, type RuleTypeDescriptor } from '../src/rules/rule-types.js';
import { validateRule } from '../src/rules/schema.js';
import { compileRule } from '../src/rules/loader.js';
import { RuleEngine } from '../src/rules/engine.js';
import { DEFAULT_GLOBAL_ALLOWLIST } from '../src/rules/allowlist.js';
import { RULESET_DIR } from '../src/paths.js';
import type { Bucket, Firing } from '../src/rules/buckets/bucket.js';

const table = RULE_TYPES as Record<string, RuleTypeDescriptor>;
afterEach(() => { delete table.nth; });

/** A test type: fires on the `nth` selected event of a key, once. */
const nth: RuleTypeDescriptor = {
  keys: ['nth'], suppressible: false, resolves: 'quiet',
  parse(spec, read) { spec.threshold = read.int('nth'); },
  bucket({ spec }): Bucket {
    const seen = new Map<string, number>();
    return {
      size: 0, evictions: 0,
      add(key, ts, ev): Firing | null {
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        return n === spec.threshold ? { count: n, firstTs: ts, lastTs: ts, evidence: [ev.id] } : null;
      },
      expire() {},
    };
  },
  doc: 'fires on the `nth` selected event of a key.',
};

const doc = (extra: Record<string, unknown>) => ({
  id: 'third-login', name: 'Third login', description: 'test', category: 'monitoring',
  where: { 'event.action': 'login' }, group_by: ['user.name'], ...extra,
});

describe('rule types', () => {
  it('runs a type that only its descriptor adds', () => {
    expect(() => validateRule(doc({ type: 'nth', nth: 3 }), 'third-login.yaml')).toThrow("third-login.yaml: type: expected one of match, threshold, distinct, sequence, absence, sustained");
    table.nth = nth;
    expect(() => validateRule(doc({ type: 'nth', nth: 3, window: '1m' }), 'f.yaml')).toThrow('f.yaml: window: not valid for type nth');
    expect(() => validateRule(doc({ type: 'threshold', nth: 3, threshold: 2, window: '1m' }), 'f.yaml')).toThrow('f.yaml: nth: not valid for type threshold');
    expect(() => validateRule(doc({ type: 'nth', nth: 0 }), 'f.yaml')).toThrow('f.yaml: nth: expected a positive integer');
    expect(() => validateRule(doc({ type: 'nth', nth: 3, suppressed_by: ['x'] }), 'f.yaml')).toThrow('f.yaml: suppressed_by: not valid for type nth');

    const engine = new RuleEngine([compileRule(validateRule(doc({ type: 'nth', nth: 3 }), 'third-login.yaml'), DEFAULT_GLOBAL_ALLOWLIST)]);
    const t0 = Date.parse('2026-11-27T10:00:00Z');
    for (let i = 0; i < 4; i++) {
      engine.ingest({ id: i + 1, fields: { '@timestamp': new Date(t0 + i * 1000).toISOString(), 'event.action': 'login', 'user.name': 'alice' } });
      engine.ingest({ id: 100 + i, fields: { '@timestamp': new Date(t0 + i * 1000).toISOString(), 'event.action': 'logout', 'user.name': 'bob' } });
    }
    const updates = engine.drain();
    expect(updates.map((u) => [u.change, u.group, u.evidence])).toEqual([['opened', { 'user.name': 'alice' }, [3, 4]]]);
  });

  it("are the docs' type list and per-type paragraph", () => {
    const readme = readFileSync(join(RULESET_DIR, 'detections', 'README.md'), 'utf8');
    expect(readme).toContain(`| \`type\` | ${Object.keys(RULE_TYPES).map((n) => `\`${n}\``).join(', ')} (below) |`);
    const i = readme.indexOf('Per type: ');
    const paragraph = readme.slice(i, readme.indexOf('\n\n', i)).replace(/\s+/g, ' ');
    expect(paragraph).toBe(`Per type: ${ruleTypeDocs()}`);
  });
});
