// Loading and validating rule files: the built-in pack loads; every schema error names the
// file and the key; the pack's own cases (rules test) pass, and a failing case, a missing
// doc or a missing quiet case is reported by name.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleset, loadRuleSpecs } from '../src/rules/loader.js';
import { runRuleCases } from '../src/rules/cases.js';
import { DEFAULT_GLOBAL_ALLOWLIST } from '../src/rules/allowlist.js';
import { RULESET_DIR } from '../src/paths.js';
import { rulesSection } from '../src/rules/config.js';

const BUILTIN = join(RULESET_DIR, 'detections');
const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'vigil-rules-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const base = `id: x
name: X
description: test
category: security
technique: [T1110]
type: threshold
where: { event.outcome: failure }
group_by: [source.ip]
threshold: 5
window: 1m
`;
function loadOne(text: string, name = 'x.yaml'): () => unknown {
  const d = tmp();
  writeFileSync(join(d, name), text);
  return () => loadRuleset(d, DEFAULT_GLOBAL_ALLOWLIST);
}

describe('rule files', () => {
  it('loads the built-in pack with the contract ids, security rules carrying techniques', () => {
    const specs = loadRuleSpecs(BUILTIN);
    const ids = specs.map((s) => s.id);
    for (const id of ['ssh-brute-force', 'ssh-brute-force-slow', 'ssh-user-enumeration', 'ssh-success-after-failures', 'agent-silent', 'backup-failed', 'backup-database-missing']) {
      expect(ids).toContain(id);
    }
    for (const s of specs) if (s.category === 'security') expect(s.technique.length).toBeGreaterThan(0);
    expect(specs.find((s) => s.id === 'ssh-brute-force')).toMatchObject({ severity: 'P1', technique: ['T1110.001'], threshold: 5, windowMs: 60_000, sumField: 'vigil.attempts' });
    expect(specs.find((s) => s.id === 'backup-failed')!.severity).toBe('P3'); // from the category matrix
    expect(loadRuleset(BUILTIN, DEFAULT_GLOBAL_ALLOWLIST).length).toBe(specs.length);
  });
  it('names the file and the key of every error', () => {
    expect(loadOne(base)).not.toThrow();
    expect(loadOne(base + 'colour: red\n')).toThrow(/x\.yaml: colour: unknown key/);
    expect(loadOne(base.replace('window: 1m', 'window: soon'))).toThrow(/x\.yaml: window: 'soon' is not a duration/);
    expect(loadOne(base.replace('technique: [T1110]\n', ''))).toThrow(/x\.yaml: technique: security rules need MITRE/);
    expect(loadOne(base.replace('[T1110]', '[brute]'))).toThrow(/technique: 'brute' is not an ATT&CK technique id/);
    expect(loadOne(base.replace('type: threshold', 'type: leaky'))).toThrow(/x\.yaml: type: expected one of/);
    expect(loadOne(base + 'distinct_field: user.name\n')).toThrow(/distinct_field: not valid for type threshold/);
    expect(loadOne(base.replace('failure }', '{ cidr: nope } }'))).toThrow(/x\.yaml: where\.event\.outcome\.cidr/);
    expect(loadOne(base + 'severity: P0\n')).toThrow(/severity: expected P1, P2, P3 or P4/);
    expect(loadOne(base, 'y.yaml')).toThrow(/y\.yaml: id: 'x' must match the file name/);
    expect(loadOne('id: [unclosed\n')).toThrow(/x\.yaml: /);
    expect(loadOne(base.replace('threshold: 5', 'threshold: 0'))).toThrow(/threshold: expected a positive integer/);
    expect(loadOne(base + 'suppressed_by: [x]\n')).toThrow(/x\.yaml: suppressed_by: a rule cannot suppress itself/);
    expect(loadOne(base + 'suppressed_by: [nope]\n')).toThrow(/x\.yaml: suppressed_by: no rule 'nope' in this ruleset/);
  });
});

describe('rule cases', () => {
  it('suppressed_by names rules that group alike', () => {
    const d = tmp();
    writeFileSync(join(d, 'x.yaml'), base + 'suppressed_by: [y]\n');
    writeFileSync(join(d, 'y.yaml'), base.replace('id: x', 'id: y').replace('[source.ip]', '[user.name]'));
    expect(() => loadRuleSpecs(d)).toThrow(/x\.yaml: suppressed_by: 'y' groups by user\.name, this rule by source\.ip/);
    writeFileSync(join(d, 'y.yaml'), base.replace('id: x', 'id: y'));
    expect(loadRuleSpecs(d).find((r) => r.id === 'x')!.suppressedBy).toEqual(['y']);
  });
  it('every built-in rule has a doc, firing and quiet cases, and they all pass', () => {
    const r = runRuleCases(BUILTIN);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBeGreaterThanOrEqual(60);
  });
  it('reports a failing case, a missing doc and a missing quiet case by name', () => {
    const d = tmp();
    cpSync(join(BUILTIN, 'ssh-brute-force.yaml'), join(d, 'ssh-brute-force.yaml'));
    writeFileSync(join(d, 'ssh-brute-force.cases.yaml'), `defaults: { event.category: [authentication], event.outcome: failure, process.name: sshd }
cases:
  - name: four attempts should not fire
    events: [{ at: 0s, repeat: 4, every: 1s, source.ip: 203.0.113.1 }]
    expect: []
  - name: wrongly expects silence
    events: [{ at: 0s, repeat: 9, every: 1s, source.ip: 203.0.113.2 }]
    expect: []
`);
    const r = runRuleCases(d);
    expect(r.passed).toBe(1);
    expect(r.failures).toEqual([
      'ssh-brute-force: missing doc ssh-brute-force.md',
      'ssh-brute-force: needs at least one firing case and one quiet case (expect: [])',
      "ssh-brute-force: case 'wrongly expects silence': expected 0 alert(s), got 1: [{\"group\":{\"source.ip\":\"203.0.113.2\"},\"count\":9,\"status\":\"open\"}]",
    ]);
    unlinkSync(join(d, 'ssh-brute-force.cases.yaml'));
    expect(runRuleCases(d).failures).toContain('ssh-brute-force: missing cases file ssh-brute-force.cases.yaml');
  });
});

describe('collector config rules section', () => {
  it('defaults to the built-in folder and a loopback allowlist, and names a bad key', () => {
    expect(rulesSection(undefined, 'rules')).toMatchObject({ dir: BUILTIN, lateness: 5000, idle: 5000, watch: true, allowlist: { addresses: ['127.0.0.0/8', '::1'] } });
    expect(rulesSection({ dir: '/x', lateness: '30s', allowlist: { addresses: ['10.0.0.0/8'] } }, 'rules')).toMatchObject({ dir: '/x', lateness: 30_000, allowlist: { addresses: ['10.0.0.0/8'], users: [] } });
    expect(() => rulesSection({ allowlist: { adresses: [] } }, 'rules')).toThrow('rules.allowlist.adresses: unknown key (use addresses, users, hosts)');
    expect(() => rulesSection({ idle: 'soon' }, 'rules')).toThrow(/rules\.idle: expected a duration/);
    expect(() => rulesSection({ folder: '/x' }, 'rules')).toThrow(/rules\.folder: unknown key/);
  });
});
