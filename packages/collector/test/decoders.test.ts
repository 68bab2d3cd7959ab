/**
 * Decoder unit tests: every ruleset/decoders/*.cases.yaml case (runDecoderCases), the
 * hand-written prefix/time/unit/address/logfmt parsers on their edge cases, and the
 * never-throw promise on hostile input for every log type.
 */
import { describe, expect, it } from 'vitest';
import { runDecoderCases } from '../src/decoders/cases.js';
import { createDecoder, LOG_TYPES } from '../src/decoders/index.js';
import { normaliseIp } from '../src/decoders/address.js';
import { parseLogfmt } from '../src/decoders/kv.js';
import { parseIso, yearlessToMs } from '../src/decoders/time.js';
import { parseLoggedDuration as parseDuration, parseSize } from '@vigil/proto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayFiles } from '../src/rules/replay.js';
import { RULESET_DIR } from '../src/paths.js';

const READ = Date.UTC(2026, 0, 15);

describe('decoder test cases (ruleset/decoders/*.cases.yaml)', () => {
  it('all pass', () => {
    const r = runDecoderCases();
    expect(r.failures).toEqual([]);
    expect(r.passed).toBeGreaterThanOrEqual(90);
  });
});

describe('line terminators and control characters inside a line', () => {
  it('a failed password whose user name holds U+2028 and CR decodes as a failure and counts for ssh-brute-force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-lt-'));
    try {
      const names = ['ad\u2028min', 'ro\rot', 'x\u2029y', 'n\u0000ul', 'c1\u0085', 'esc\u001b[31m'];
      const lines = names.map((u, i) => `Dec 10 07:13:${String(10 + i).padStart(2, '0')} LabSZ sshd[${100 + i}]: Failed password for invalid user ${u} from 203.0.113.99 port ${4000 + i} ssh2`);
      const file = join(dir, 'auth.log');
      writeFileSync(file, lines.join('\n') + '\n');
      const events: Array<Record<string, unknown>> = [];
      const sum = await replayFiles([file], { type: 'auth', rulesDir: join(RULESET_DIR, 'detections'), onEvent: (f) => events.push(f) });
      expect(sum.lines).toBe(names.length);
      expect(sum.unparsed).toBe(0);
      expect(events.map((e) => e['user.name'])).toEqual(names);
      expect(events.every((e) => e['event.outcome'] === 'failure' && e['source.ip'] === '203.0.113.99')).toBe(true);
      const brute = sum.alerts.filter((a) => a.rule.id === 'ssh-brute-force');
      expect(brute).toHaveLength(1);
      expect(brute[0]).toMatchObject({ group: { 'source.ip': '203.0.113.99' }, count: names.length });
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('json lines', () => {
  it('a number beyond a double (1e400) is stored as null, never Infinity, and the line is kept whole', () => {
    const line = '{"message":"x","n":1e400,"a":[1,-1e400,{"d":1e999}]}';
    const f = createDecoder('json').decode(line, { readTimeMs: Date.parse('2026-12-01T00:00:00Z') });
    expect(f.n).toBeNull();
    expect(f.a).toEqual([1, null, { d: null }]);
    expect(f['event.original']).toBe(line);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);   // what the store keeps is what was decoded
    expect(createDecoder('json').decode('{"message":"y","n":2}', { readTimeMs: 0 })['event.original']).toBeUndefined();
  });
});

describe('parsers', () => {
  it('ISO 8601 stamps with fractions and offsets', () => {
    expect(parseIso('2020-03-24 08:38:42.344447-0700')?.ms).toBe(Date.UTC(2020, 2, 24, 15, 38, 42, 344));
    expect(parseIso('2026-11-27T17:00:00.123456+00:00')?.ms).toBe(Date.UTC(2026, 10, 27, 17, 0, 0, 123));
    expect(parseIso('2026-11-27T17:00:00+05:30')?.ms).toBe(Date.UTC(2026, 10, 27, 11, 30));
    expect(parseIso('2026-11-27T17:00:00Z')?.end).toBe(20);
    expect(parseIso('Dec 10 06:55:46')).toBeUndefined();
  });
  it('year-less stamps land nearest before the read time, with one day of skew', () => {
    expect(new Date(yearlessToMs(11, 31, 0, 0, Date.UTC(2026, 0, 1, 0, 0, 10))).getUTCFullYear()).toBe(2025);
    expect(new Date(yearlessToMs(0, 15, 43200, 0, READ)).getUTCFullYear()).toBe(2026);
    expect(new Date(yearlessToMs(0, 17, 0, 0, READ)).getUTCFullYear()).toBe(2025);
  });
  it('sizes and durations', () => {
    expect(parseSize('1.2GB')).toBe(1_200_000_000);
    expect(parseSize('35.4 MiB')).toBe(Math.round(35.4 * 1024 * 1024));
    expect(parseSize(123)).toBe(123);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseDuration('45s')).toBe(45e9);
    expect(parseDuration('12m')).toBe(720e9);
    expect(parseDuration('1h30m')).toBe(5400e9);
    expect(parseDuration('90')).toBe(90e9);
    expect(parseDuration('1 minute, 2 seconds')).toBe(62e9);
    expect(parseDuration('soon')).toBeUndefined();
  });
  it('addresses', () => {
    expect(normaliseIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normaliseIp('[2001:DB8::5]')).toBe('2001:db8::5');
    expect(normaliseIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normaliseIp('host.example.com')).toBeUndefined();
    expect(normaliseIp('999.1.1.1')).toBeUndefined();
    expect(normaliseIp('deadbeef')).toBeUndefined();
  });
  it('logfmt', () => {
    expect(parseLogfmt('a=1 b="x \\"y\\" z" c=')).toEqual({ a: '1', b: 'x "y" z', c: '' });
    expect(parseLogfmt('just words')).toBeUndefined();
    expect(parseLogfmt('a="open')).toBeUndefined();
  });
});

describe('journal entries', () => {
  it('take program, pid, host and time from the journal fields', () => {
    const d = createDecoder('auth');
    const ev = d.decode('pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root', {
      readTimeMs: READ,
      fields: { SYSLOG_IDENTIFIER: 'sshd', _PID: '4242', _HOSTNAME: 'web-1', __REALTIME_TIMESTAMP: '1764262800123456' },
    });
    expect(ev).toMatchObject({
      'process.name': 'sshd', 'process.pid': 4242, 'host.name': 'web-1', '@timestamp': '2025-11-27T17:00:00.123Z',
      'event.type': ['info'], 'source.ip': '203.0.113.9', 'user.name': 'root', 'vigil.attempts': 1,
    });
    expect(ev['event.outcome']).toBeUndefined();
  });
});

describe('never throws', () => {
  const hostile = [
    '', ' ', '\r\n', '{', '{"a":', '[]', 'null', '<999999>1', '<13>1 -', 'Dec', 'Dec 99 99:99:99 h x[1]: y',
    'Feb 30 10:00:00 h sshd[1]: Failed password for  from  port  ssh2', '9999-99-99T99:99:99Z x',
    'a'.repeat(200_000), '\u0000\u0001\uFFFF', 'message repeated 5 times: [', 'Jan  1 00:00:00 h sshd[x]: message repeated -1 times: [ ]',
    '<script>alert(1)</script>', 'P00  ERROR: [', 'time=abc status=failed size=1.2XB duration=forever',
    '{"Type":"container","Action":null,"Actor":5,"timeNano":"x"}', '{"status":"x","time":1e400}',
  ];
  for (const type of LOG_TYPES) {
    it(`${type}: hostile lines decode to an event that keeps the line`, () => {
      const d = createDecoder(type);
      for (const line of hostile) {
        const ev = d.decode(line, { readTimeMs: READ });
        expect(typeof ev['@timestamp']).toBe('string');
        expect(Number.isNaN(Date.parse(ev['@timestamp'] as string))).toBe(false);
        expect(typeof ev.message).toBe('string');
        expect(ev['event.kind']).toBe('event');
      }
    });
  }
  it('rejects an unknown type clearly', () => {
    expect(() => createDecoder('nope')).toThrow(/unknown log type 'nope'/);
  });
});
