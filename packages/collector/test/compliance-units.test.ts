/**
 * Compliance building blocks: check files and config sections refused with the key
 * named, durations, Markdown escaping of attacker text, CSV export that cannot smuggle
 * formulas, and the bus fallback for state-change alerts when no alerts service runs.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@vigil/proto';
import { parseCheck, loadChecks, CheckFileError } from '../src/compliance/loader.js';
import { EVALUATOR_NAMES } from '../src/compliance/evaluators/index.js';
import { parseComplianceConfig } from '../src/compliance/settings.js';
import { requireDuration as parseDuration } from '@vigil/proto';
import { md, renderMarkdown } from '../src/reports/markdown.js';
import { historyCsv } from '../src/compliance/history.js';
import { raiseTransition } from '../src/compliance/alerting.js';
import { Bus, type CollectorContext } from '../src/context.js';
import { validateConfig } from '../src/config/load.js';
import { RULESET_DIR } from '../src/paths.js';
import type { Alert } from '../src/model.js';
import type { CheckResult } from '../src/compliance/types.js';

const base = {
  id: 'x-check', title: 'X', guide: 'g', rationale: 'r', remediation: 'm', evaluator: 'backup-recency',
  window: '30d', threshold: '6h', unit: 'seconds', compare: '<=',
};

describe('check files', () => {
  it('loads the twelve checks of the ruleset with their units', () => {
    const checks = loadChecks(join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES);
    expect(checks.map((c) => c.id).sort()).toEqual(['agents-reporting', 'availability', 'backup-every-6h', 'backup-success-rate',
      'change-success-rate', 'daily-full-backup', 'dr-test-quarterly', 'error-rate', 'incident-response-time', 'mttr-p1',
      'response-time-p95', 'security-report-daily']);
    const every = checks.find((c) => c.id === 'backup-every-6h')!;
    expect(every).toMatchObject({ threshold: 21600, unit: 'seconds', graceMs: 30 * 60_000, windowMs: 30 * 86_400_000 });
    expect(checks.find((c) => c.id === 'availability')).toMatchObject({ threshold: 99.9, unit: 'percent', compare: '>=' });
  });

  it('names the file and key of a bad check', () => {
    const bad = (over: Record<string, unknown>, key: string) =>
      expect(() => parseCheck({ ...base, ...over }, 'f.yaml', EVALUATOR_NAMES)).toThrow(new RegExp(`f\\.yaml: ${key}:`));
    bad({ evaluator: 'nope' }, 'evaluator');
    bad({ threshold: 'soon' }, 'threshold');
    bad({ compare: '==' }, 'compare');
    bad({ title: '' }, 'title');
    bad({ extra: 1 }, 'extra');
    bad({ id: 'Bad Id' }, 'id');
    bad({ grace: '-5m' }, 'grace');
    expect(() => parseCheck([], 'f.yaml', EVALUATOR_NAMES)).toThrow(CheckFileError);
  });

  it('refuses duplicate ids and applies config overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-checks-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), Object.entries(base).map(([k, v]) => `${k}: "${v}"`).join('\n'));
      writeFileSync(join(dir, 'a.cases.yaml'), 'check: x-check\ncases: []\n');
      const cfg = parseComplianceConfig({ grace: '10m', checks: { 'x-check': { threshold: '8h', window: '7d' } } });
      expect(loadChecks(dir, EVALUATOR_NAMES, cfg)[0]).toMatchObject({ threshold: 28800, windowMs: 7 * 86_400_000, graceMs: 600_000 });
      const late = loadChecks(join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES, parseComplianceConfig({ report_time: '07:15' }));
      expect(late.find((c) => c.id === 'security-report-daily')!.params.deadline).toBe('07:15');
      writeFileSync(join(dir, 'b.yaml'), Object.entries(base).map(([k, v]) => `${k}: "${v}"`).join('\n'));
      expect(() => loadChecks(dir, EVALUATOR_NAMES)).toThrow(/b\.yaml: id: duplicate/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('config section', () => {
  it('validates through the collector config, naming the key path', () => {
    expect(parseComplianceConfig(undefined)).toMatchObject({ intervalMs: 60_000, reportAtMs: 6 * 3_600_000 });
    expect(parseComplianceConfig({ interval: '5m', report_time: '07:30' })).toMatchObject({ intervalMs: 300_000, reportAtMs: 7.5 * 3_600_000 });
    expect(() => validateConfig({ compliance: { intervall: '1m' } })).toThrow(/compliance\.intervall/);
    expect(() => validateConfig({ compliance: { report_time: '25:00' } })).toThrow(/compliance\.report_time/);
    expect(() => validateConfig({ compliance: { checks: { 'backup-every-6h': { grace: 'later' } } } })).toThrow(/compliance\.checks\.backup-every-6h\.grace/);
  });

  it('parses durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(90)).toBe(90_000);
    expect(() => parseDuration('1 hour')).toThrow(/not a duration/);
  });
});

describe('escaping', () => {
  it('renders attacker text in Markdown as text only', () => {
    const evil = '<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://e/) `c` *b* | # h\n## injected';
    const out = md(evil);
    expect(out).not.toMatch(/<script|\]\(|\n|(?<!\\)\||(?<!\\)`/);
    expect(out).toContain('&lt;script&gt;');
    const report = renderMarkdown({
      date: '2026-11-27', period: { from: 'a', to: 'b' }, generated_at: 'c', partial: false,
      alerts: { total: 0, by_severity: {}, by_rule: [] }, top_sources: [],
      new_users: [{ event_id: 1, time: 't', user: evil, host: 'h' }], sudo_abuse: [],
      backups: { succeeded: 0, failed: 0, jobs: [] }, deployments: { succeeded: 0, failed: 0, rolled_back: 0, failures: [] }, compliance: [],
    });
    const row = report.split('\n').find((l) => l.includes('script'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(6); // 4 cells: the user name added no column
    expect(report).not.toContain('## injected');
  });

  it('shows bidi controls and zero-width characters in the Markdown report and the CSV export', () => {
    const sneaky = 'root\u202etxt.exe\u200b\u2067\u200d\ufeff\u061c';
    const report = renderMarkdown({
      date: '2026-11-27', period: { from: 'a', to: 'b' }, generated_at: 'c', partial: false,
      alerts: { total: 0, by_severity: {}, by_rule: [] }, top_sources: [{ source: `203.0.113.5${sneaky}`, attempts: 3, users: 1 }],
      new_users: [{ event_id: 1, time: 't', user: sneaky, host: 'h\u2066' }], sudo_abuse: [],
      backups: { succeeded: 0, failed: 0, jobs: [] }, deployments: { succeeded: 0, failed: 0, rolled_back: 0, failures: [] }, compliance: [],
    });
    expect(report).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff\u2060]/);
    expect(report).toContain(String.raw`root\[U\+202E\]txt\.exe\[U\+200B\]\[U\+2067\]\[U\+200D\]\[U\+FEFF\]\[U\+061C\]`); // renders as [U+202E]
    const csv = historyCsv([{ id: 'c1', title: 't', status: 'fail', value: 1, threshold: 0, unit: 'n', evaluated_at: '2026-11-27T00:00:00Z',
      evidence: [{ event_id: 7, summary: `login by ${sneaky}\nsecond line` }] } as unknown as CheckResult]);
    expect(csv).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff\u2060]/);
    expect(csv).toContain('#7 login by root[U+202E]txt.exe[U+200B][U+2067][U+200D][U+FEFF][U+061C] second line');
  });

  it('exports CSV that quotes and defuses formulas', () => {
    const r: CheckResult = { id: 'c', title: 't', status: 'fail', value: 1, threshold: 0, unit: 'count', compare: '<=', evaluated_at: '2026-11-27T00:00:00.000Z',
      evidence: [{ summary: '=HYPERLINK("http://evil")', event_id: 3 }, { summary: 'a, "b"' }] };
    const line = historyCsv([r]).split('\r\n')[1];
    expect(line).toBe('c,2026-11-27T00:00:00.000Z,fail,1,0,count,"#3 =HYPERLINK(""http://evil""); a, ""b"""');
    const r2 = { ...r, evidence: [{ summary: '=cmd|/C calc' }] };
    expect(historyCsv([r2]).split('\r\n')[1]).toMatch(/,'=cmd\|\/C calc$/);
  });
});

describe('state-change alerts without an alerts service', () => {
  it('emits a well-formed Alert on the bus', () => {
    const bus = new Bus();
    const got: Array<[Alert, string]> = [];
    bus.on('alert', (a, ch) => got.push([a, ch]));
    const ctx = { bus, log: createLogger('silent') } as unknown as CollectorContext;
    const check = loadChecks(join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES).find((c) => c.id === 'backup-every-6h')!;
    const result: CheckResult = { id: check.id, title: check.title, status: 'fail', value: 43200, threshold: 21600, unit: 'seconds', compare: '<=', evaluated_at: 'x', evidence: [{ event_id: 42, summary: 's' }] };
    raiseTransition(ctx, { check, result, from: 'pass', to: 'fail', alertId: 'compliance:backup-every-6h:1' }, Date.parse('2026-11-27T14:00:00Z'));
    raiseTransition(ctx, { check, result: { ...result, status: 'pass' }, from: 'fail', to: 'pass', alertId: 'compliance:backup-every-6h:1' }, Date.parse('2026-11-27T15:00:00Z'));
    expect(got.map(([a, ch]) => [a.id, a.status, ch])).toEqual([['compliance:backup-every-6h:1', 'open', 'opened'], ['compliance:backup-every-6h:1', 'resolved', 'resolved']]);
    expect(got[0][0]).toMatchObject({ 'rule.id': 'compliance:backup-every-6h', severity: 'P2', group: { 'compliance.check': 'backup-every-6h' }, evidence: [42], first_seen: '2026-11-27T14:00:00.000Z' });
  });
});
