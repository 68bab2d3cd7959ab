/**
 * Agent config and flags: the built CLI exits 2 with one line naming the bad flag or key
 * path; valid YAML (the contract's example) parses into ms/bytes with defaults filled in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/config/args.js';
import { parseConfigText } from '../src/config/load.js';
import { parseDuration, parseSize } from '@vigil/proto';
import { UsageError } from '../src/config/types.js';

const MAIN = join(__dirname, '..', 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}
function withConfig(yaml: string) {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, yaml);
  return cli(['--collector', 'ws://127.0.0.1:9', '--token', 't', '--state', join(dir, 'state'), '--config', f]);
}

const EXAMPLE = `
files:
  - path: /var/log/auth.log
    type: auth
  - path: /var/log/backup.log
    type: backup
journal:
  - match: { SYSLOG_FACILITY: "10" }
    type: auth
outbox: { max_bytes: 1GiB }
metrics:
  host: { interval: 10s }
  docker: { socket: /var/run/docker.sock, interval: 10s }
probes:
  - name: app
    url: http://localhost:3001/api/health
    interval: 30s
    timeout: 5s
`;

describe('agent CLI usage errors (built dist/main.js)', () => {
  it('answers --help on stdout with exit 0', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--collector URL');
  });
  it.each([
    [[], 'missing --collector'],
    [['--collector', 'ws://h:1', '--token', 't'], 'missing --state'],
    [['--collector', 'http://h:1', '--token', 't', '--state', '/tmp/x'], '--collector'],
    [['--collector', 'ws://h:1', '--token', 't', '--state', '/tmp/x', '--bogus', '1'], 'unknown flag --bogus'],
    [['--collector', 'ws://h:1', '--token', 't', '--state', '/tmp/x', '--config', '/nonexistent.yaml'], '--config'],
    [['--collector', 'wss://h:1', '--token', 't', '--state', '/tmp/x', '--ca', '/nonexistent.pem'], '--ca'],
  ])('exits 2 for %j naming %s', (args, needle) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(needle);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it.each([
    ['files:\n  - path: /a\n    type: auth\n  - path: /b\n    type: nope\n', 'files[1].type'],
    ['files:\n  - path: /a\n    type: auth\n    colour: red\n', 'files[0].colour'],
    ['outbox: { max_bytes: lots }\n', 'outbox.max_bytes'],
    ['metrics: { host: { interval: soon } }\n', 'metrics.host.interval'],
    ['metrics: { gpu: {} }\n', 'metrics.gpu'],
    ['probes:\n  - name: a\n    url: ftp://x/\n', 'probes[0].url'],
    ['probes:\n  - name: a\n    url: http://x/\n    timeout: 5 parsecs\n', 'probes[0].timeout'],
    ['journal:\n  - match: { SYSLOG_FACILITY: { a: 1 } }\n    type: auth\n', 'journal[0].match.SYSLOG_FACILITY'],
    ['surprise: true\n', 'surprise'],
    ['files: [\n', 'config'],
    ['metrics: { host: { interval: 1h30x } }\n', 'metrics.host.interval: expected a duration'],
    ['probes:\n  - { name: a, url: http://x/, interval: 2 weeks }\n', 'probes[0].interval: expected a duration'],
    ['files:\n  - { path: /a, type: auth, max_line_bytes: 4 kilo }\n', 'files[0].max_line_bytes: expected a size'],
    ['metrics: { host: { interval: 30d } }\n', 'metrics.host.interval: expected a duration from 1s to 24d, got "30d"'],
  ])('exits 2 for a broken config naming %s', (yaml, key) => {
    const r = withConfig(yaml);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(key);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('config parsing', () => {
  it('parses the contract example into ms and bytes', () => {
    const cfg = parseConfigText(EXAMPLE);
    expect(cfg.files).toEqual([{ path: '/var/log/auth.log', type: 'auth' }, { path: '/var/log/backup.log', type: 'backup' }]);
    expect(cfg.journal).toEqual([{ match: { SYSLOG_FACILITY: ['10'] }, type: 'auth', start_at: 'beginning' }]);
    expect(cfg.outbox.max_bytes).toBe(1024 ** 3);
    expect(cfg.metrics).toEqual({ host: { interval: 10_000 }, docker: { socket: '/var/run/docker.sock', interval: 10_000 } });
    expect(cfg.probes).toEqual([{ name: 'app', url: 'http://localhost:3001/api/health', interval: 30_000, timeout: 5000 }]);
  });
  it('fills defaults for an empty file and for bare sections', () => {
    const cfg = parseConfigText('metrics:\n  host:\n');
    expect(cfg.outbox.max_bytes).toBe(1024 ** 3);
    expect(cfg.metrics.host).toEqual({ interval: 10_000 });
    expect(parseConfigText('').files).toEqual([]);
  });
  it('reads sizes and durations', () => {
    expect(parseSize('512MB')).toBe(512e6);
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize('64KiB')).toBe(65536);
    expect(parseSize('12 bananas')).toBeUndefined();
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(2)).toBe(2000);
    expect(parseDuration('-1s')).toBeUndefined();
  });
  it('reads the one grammar of durations and sizes in every key (1h30m, 2w; k = 1000, KiB = 1024)', () => {
    const cfg = parseConfigText(`
files:
  - { path: /a, type: auth, max_line_bytes: 4k }
outbox: { max_bytes: 1536KiB }
metrics:
  host: { interval: 1h30m }
  docker: { interval: 2w }
probes:
  - { name: a, url: http://x/, interval: 1h30m, timeout: 1m30s }
`);
    expect(cfg.files[0].max_line_bytes).toBe(4000);
    expect(cfg.outbox.max_bytes).toBe(1536 * 1024);
    expect(cfg.metrics).toEqual({ host: { interval: 5_400_000 }, docker: { socket: '/var/run/docker.sock', interval: 1_209_600_000 } });
    expect(cfg.probes[0]).toMatchObject({ interval: 5_400_000, timeout: 90_000 });
  });
  it('parses flags in both forms and defaults the name to the hostname', () => {
    const a = parseArgs(['--collector=wss://c:7070/', '--token', 'x', '--state', '/s', '--ca', '/ca.pem']);
    expect(a).toMatchObject({ collector: 'wss://c:7070', token: 'x', state: '/s', ca: '/ca.pem' });
    expect(() => parseArgs(['--collector', 'ws://c:1', '--token', 'x', '--state', '/s', '--name', 'bad name'])).toThrow(UsageError);
  });
});
