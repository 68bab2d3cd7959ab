// `vigil replay` and `vigil rules test` as users run them: the BUILT command line (tsc -b
// first), real files, exit codes 0/1/2, NDJSON records with the contract's alert fields
// and byte offsets that map back to the lines.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULESET_DIR } from '../src/paths.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const vigil = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'vigil-rules-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const lines = [
  ...Array.from({ length: 6 }, (_, i) => `Mar  3 10:00:0${i} web-1 sshd[${100 + i}]: Failed password for root from 203.0.113.7 port ${4000 + i} ssh2`),
  'Mar  3 10:00:09 web-1 sshd[200]: Accepted publickey for alice from 192.0.2.4 port 5000 ssh2: ED25519 SHA256:abc',
];
const file = join(work, 'auth.log');
writeFileSync(file, lines.join('\n')); // the last line has no newline

describe('vigil replay', () => {
  it('prints NDJSON events with byte offsets and each alert once in its final state', () => {
    const r = vigil('replay', file, '--type', 'auth', '--json');
    expect(r.status).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const events = recs.filter((x) => x.record === 'event');
    const alerts = recs.filter((x) => x.record === 'alert');
    expect(events).toHaveLength(7);
    const bytes = readFileSync(file);
    events.forEach((ev, i) => {
      expect(bytes.subarray(ev['log.offset'], ev['log.offset'] + lines[i].length).toString()).toBe(lines[i]);
    });
    expect(events[6]['event.outcome']).toBe('success');
    expect(alerts).toHaveLength(1); // the fast brute force only: it suppresses the slow rule's alert (one per episode)
    const fast = alerts.find((a) => a['rule.id'] === 'ssh-brute-force');
    expect(fast).toMatchObject({
      'rule.name': 'SSH brute force', severity: 'P1', status: 'open', group: { 'source.ip': '203.0.113.7' }, count: 6,
      'threat.technique.id': 'T1110.001', evidence: events.slice(0, 6).map((e) => e['log.offset']),
    });
    expect(typeof fast.id).toBe('string');
    expect(fast.first_seen).toMatch(/-03-03T10:00:00(\.000)?Z$/);
    expect(fast.last_seen).toMatch(/-03-03T10:00:05(\.000)?Z$/);
  });
  it('prints a summary without --json', () => {
    const r = vigil('replay', file, '--type', 'auth');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('lines read: 7\ndecoded: 7\nunparsed: 0\nalerts: 1\n');
    expect(r.stdout).toContain('  ssh-brute-force: 1\n');
    expect(r.stdout).not.toContain('ssh-brute-force-slow');
  });
  it('--until now lets the clock run on to now: the brute force, long over, is resolved', () => {
    const r = vigil('replay', file, '--type', 'auth', '--json', '--until', 'now');
    expect(r.status).toBe(0);
    const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.record === 'alert');
    expect(alerts.map((a) => a['rule.id']).sort()).toEqual(['ssh-brute-force']);
    expect(alerts.every((a) => a.status === 'resolved')).toBe(true);
  });
  it('exits 2 naming the flag or value on bad usage, 1 on an unreadable file', () => {
    const cases: Array<[string[], RegExp]> = [
      [['replay', file], /--type/],
      [['replay', file, '--type', 'apache'], /--type: unknown type "apache"/],
      [['replay', '--type', 'auth'], /missing FILE/],
      [['replay', file, '--type', 'auth', '--color'], /--color/],
      [['replay', file, '--type', 'auth', '--until', 'yesterday'], /--until: expected "now" or an ISO 8601 time/],
      [['rules', 'check'], /unknown subcommand "check"/],
      [['rules', 'test', '--rules', join(work, 'nope')], /--rules: no such folder/],
    ];
    for (const [args, re] of cases) {
      const r = vigil(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    const missing = vigil('replay', join(work, 'missing.log'), '--type', 'auth');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*missing\.log: ENOENT/);
    expect(vigil('replay', '--help').status).toBe(0);
  });
});

describe('vigil rules test', () => {
  it('passes on the built-in ruleset (rules, decoders and compliance checks)', () => {
    const r = vigil('rules', 'test');
    const m = /(\d+) rule, (\d+) decoder and (\d+) compliance case\(s\) passed, 0 failure\(s\)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m!.slice(1).map(Number).every((n) => n > 0)).toBe(true);
    expect(r.status).toBe(0);
  });
  it('exits 1 naming each failing case', () => {
    const d = join(work, 'rules');
    cpSync(join(RULESET_DIR, 'detections'), d, { recursive: true });
    writeFileSync(join(d, 'backup-failed.cases.yaml'), `cases:
  - name: says quiet but fires
    events: [{ at: 0s, vigil.type: backup, backup.job: pg, event.outcome: failure }]
    expect: []
  - name: fires
    events: [{ at: 0s, vigil.type: backup, backup.job: pg, event.outcome: failure }]
    expect: [{ group: { backup.job: pg } }]
`);
    const r = vigil('rules', 'test', '--rules', d);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("FAIL rule backup-failed: case 'says quiet but fires': expected 0 alert(s), got 1");
    expect(r.stdout).toMatch(/1 failure\(s\)/);
  });
});
