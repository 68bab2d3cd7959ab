// Filters as data: every operator, array-valued fields, combinators, and errors that name
// the key at fault; CIDR matching for IPv4, IPv6 and IPv4-mapped addresses; durations.
import { describe, expect, it } from 'vitest';
import { compileWhere, FilterError, indexHints } from '../src/rules/filter.js';
import { inCidr, parseCidr, parseIp } from '../src/rules/cidr.js';
import { parseDuration } from '@vigil/proto';
import { compileAllowlist } from '../src/rules/allowlist.js';
import { EventClock } from '../src/rules/event-time.js';

const ev = {
  'event.category': ['authentication', 'session'], 'event.outcome': 'failure', 'process.name': 'sshd',
  'source.ip': '203.0.113.7', 'user.name': 'root', 'host.cpu.pct': 93.5, 'process.pid': 42,
};

describe('compileWhere', () => {
  it('matches equality, list membership and array-valued fields', () => {
    expect(compileWhere({ 'event.category': 'authentication', 'event.outcome': 'failure' })(ev)).toBe(true);
    expect(compileWhere({ 'process.name': ['sshd', 'sshd-session'] })(ev)).toBe(true);
    expect(compileWhere({ 'process.name': ['sudo', 'su'] })(ev)).toBe(false);
    expect(compileWhere({ 'event.category': 'network' })(ev)).toBe(false);
    expect(compileWhere({ 'process.pid': 42 })(ev)).toBe(true);
    expect(compileWhere({ 'process.pid': '42' })(ev)).toBe(true);
    expect(compileWhere({})(ev)).toBe(true);
  });
  it('supports exists, null, cidr, regex, prefix, numeric comparisons and not', () => {
    expect(compileWhere({ 'user.name': { exists: true } })(ev)).toBe(true);
    expect(compileWhere({ 'user.target.name': { exists: true } })(ev)).toBe(false);
    expect(compileWhere({ 'user.target.name': null })(ev)).toBe(true);
    expect(compileWhere({ 'user.target.name': { exists: false } })(ev)).toBe(true);
    expect(compileWhere({ 'source.ip': { cidr: '203.0.113.0/24' } })(ev)).toBe(true);
    expect(compileWhere({ 'source.ip': { cidr: ['10.0.0.0/8', '2001:db8::/32'] } })(ev)).toBe(false);
    expect(compileWhere({ 'user.name': { regex: '^ro+t$' } })(ev)).toBe(true);
    expect(compileWhere({ 'process.name': { prefix: 'ssh' } })(ev)).toBe(true);
    expect(compileWhere({ 'host.cpu.pct': { gte: 90, lt: 100 } })(ev)).toBe(true);
    expect(compileWhere({ 'host.cpu.pct': { gt: 95 } })(ev)).toBe(false);
    expect(compileWhere({ 'user.name': { not: ['root', 'admin'] } })(ev)).toBe(false);
  });
  it('combines maps with $any, $all and $not', () => {
    expect(compileWhere({ $any: [{ 'user.name': 'admin' }, { 'process.name': 'sshd' }] })(ev)).toBe(true);
    expect(compileWhere({ $all: [{ 'user.name': 'root' }, { 'process.name': 'sudo' }] })(ev)).toBe(false);
    expect(compileWhere({ $not: { 'user.name': 'root' } })(ev)).toBe(false);
  });
  it('treats rule text as data: code-like text is only ever a pattern or a value', () => {
    const p = compileWhere({ 'user.name': { regex: '^process.exit\\(\\)$' } });
    expect(p({ 'user.name': 'process.exit()' })).toBe(true);   // matched as text, never run
    expect(p({ 'user.name': 'processXexit()' })).toBe(true);   // '.' is a regex wildcard
    expect(p({ 'user.name': 'exit' })).toBe(false);
    expect(compileWhere({ 'user.name': '${process.exit()}' })({ 'user.name': '${process.exit()}' })).toBe(true);
  });
  it('rejects malformed conditions naming the key', () => {
    expect(() => compileWhere({ 'source.ip': { cidr: '300.1.2.3/8' } })).toThrow(/where\.source\.ip\.cidr: '300\.1\.2\.3\/8' is not/);
    expect(() => compileWhere({ 'user.name': { regex: '(' } })).toThrow(FilterError);
    expect(() => compileWhere({ 'user.name': { regexp: 'x' } })).toThrow(/where\.user\.name\.regexp: unknown operator/);
    expect(() => compileWhere({ 'host.cpu.pct': { gte: 'high' } })).toThrow(/gte: expected a number/);
    expect(() => compileWhere({ $or: [] })).toThrow(/where\.\$or: unknown combinator/);
    expect(() => compileWhere({ 'user.name': [] })).toThrow(/empty list/);
  });
  it('offers equality, membership and existence terms as index hints', () => {
    expect(indexHints({ 'event.category': 'authentication', 'process.name': ['sshd', 'x'], 'host.cpu.pct': { gte: 90 }, 'user.name': { regex: 'a' } })).toEqual([
      { field: 'event.category', values: ['authentication'] },
      { field: 'process.name', values: ['sshd', 'x'] },
      { field: 'host.cpu.pct', values: 'exists' },
    ]);
  });
});

describe('addresses', () => {
  it('parses IPv4, IPv6 and IPv4-mapped IPv6 and matches CIDR ranges', () => {
    const v6 = parseIp('2001:db8::1')!;
    expect(inCidr(v6, parseCidr('2001:db8::/32')!)).toBe(true);
    expect(inCidr(v6, parseCidr('2001:db9::/32')!)).toBe(false);
    expect(inCidr(parseIp('::ffff:10.1.2.3')!, parseCidr('10.0.0.0/8')!)).toBe(true);
    expect(inCidr(parseIp('10.1.2.3')!, parseCidr('10.1.2.0/25')!)).toBe(true);
    expect(inCidr(parseIp('10.1.2.200')!, parseCidr('10.1.2.0/25')!)).toBe(false);
    expect(inCidr(parseIp('fe80::1:2')!, parseCidr('fe80::1:2')!)).toBe(true);
    expect(parseIp('not-an-ip')).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
  });
  it('allowlists by address, CIDR, host name, user and host', () => {
    const allow = compileAllowlist({ addresses: ['127.0.0.0/8', '::1', 'jump.example.net'], users: ['nagios'], hosts: ['mon-1'] });
    expect(allow({ 'source.ip': '127.0.0.1' })).toBe(true);
    expect(allow({ 'source.ip': '::1' })).toBe(true);
    expect(allow({ 'source.address': 'JUMP.example.net' })).toBe(true);
    expect(allow({ 'source.ip': '203.0.113.1', 'user.name': 'nagios' })).toBe(true);
    expect(allow({ 'source.ip': '203.0.113.1', 'agent.name': 'mon-1' })).toBe(true);
    expect(allow({ 'source.ip': '203.0.113.1', 'user.name': 'root' })).toBe(false);
  });
});

describe('parseDuration', () => {
  it('reads units, compounds and plain seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('7h30m')).toBe(27_000_000);
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5 minutes')).toBeUndefined();
  });
});

describe('EventClock', () => {
  it('agrees with Date.parse on every shape, fast path or not', () => {
    const c = new EventClock();
    for (const s of ['2026-03-01T10:00:05.123Z', '2026-03-01T10:00:59Z', '2026-03-01T10:01:00.000Z', '2026-03-01T10:01:07.999Z',
      '2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00.000Z', '2026-03-01T10:00:05+02:00', '2026-03-01T10:00:5x.123Z',
      '2026-03-01T10:00:05.1Z', 'yesterday', '']) {
      const a = c.parse(s), b = Date.parse(s);
      expect(Number.isNaN(a) ? 'NaN' : a, s).toBe(Number.isNaN(b) ? 'NaN' : b);
    }
    expect(c.parse(undefined)).toBeNaN();
    expect(c.parse(12)).toBeNaN();
  });
});
