// The rules engine's fast paths agree with the plain ones: IPv4 CIDR tests on 32-bit
// numbers against the 16-byte path, shared filter terms (answer kept per event object),
// the rule index filling a reused array, and the event clock's last-stamp cache.
import { describe, expect, it } from 'vitest';
import { inCidr, matchesAny, parseCidr, parseIp } from '../src/rules/cidr.js';
import { compileWhere } from '../src/rules/filter.js';
import { EventClock } from '../src/rules/event-time.js';
import { compileRule } from '../src/rules/loader.js';
import { RuleIndex } from '../src/rules/rule-index.js';
import { RuleRuntime } from '../src/rules/runtime.js';
import { DEFAULT_GLOBAL_ALLOWLIST } from '../src/rules/allowlist.js';
import { validateRule } from '../src/rules/schema.js';

describe('IPv4 fast path', () => {
  const ranges = ['127.0.0.0/8', '::1', '10.0.0.0/8', '192.168.1.0/24', '203.0.113.7', '0.0.0.0/0', '::/0', '::ffff:0:0/96',
    '::ffff:10.0.0.0/104', '2001:db8::/32', '::/80', '::/81', '128.0.0.0/1', '10.1.2.3/31', '::fffe:0:0/95'];
  const ips = ['127.0.0.1', '127.255.255.255', '128.0.0.1', '10.0.0.1', '10.1.2.2', '10.1.2.4', '192.168.1.77', '192.168.2.1',
    '203.0.113.7', '203.0.113.8', '0.0.0.0', '255.255.255.255', '01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3',
    'host.example', '::1', '2001:db8::5', '::ffff:10.0.0.1', ''];
  it('answers as the byte comparison for every range and address', () => {
    for (const r of ranges) {
      const c = parseCidr(r)!;
      for (const ip of ips) {
        const b = parseIp(ip);
        expect(matchesAny(ip, [c]), `${ip} in ${r}`).toBe(b ? inCidr(b, c) : false);
      }
    }
  });
});

describe('shared filter terms', () => {
  it('rules with a common term each get the right answer for each new event object', () => {
    const a = compileWhere({ 'event.outcome': 'failure', 'process.name': 'sshd' });
    const b = compileWhere({ 'event.outcome': 'failure', 'user.name': { exists: true } });
    const e1 = { 'event.outcome': 'failure', 'process.name': 'sshd' };
    const e2 = { 'event.outcome': 'success', 'process.name': 'sshd', 'user.name': 'x' };
    const e3 = { 'event.outcome': 'failure', 'user.name': 'x' };
    expect([a(e1), b(e1)]).toEqual([true, false]);
    expect([a(e2), b(e2)]).toEqual([false, false]);
    expect([a(e3), b(e3)]).toEqual([false, true]);
    expect([a(e1), b(e1)]).toEqual([true, false]);
  });
  it('single values match numbers and booleans by their text, as lists do', () => {
    expect(compileWhere({ 'process.pid': '42' })({ 'process.pid': 42 })).toBe(true);
    expect(compileWhere({ 'vigil.unparsed': true })({ 'vigil.unparsed': true })).toBe(true);
    expect(compileWhere({ 'process.pid': 42 })({ 'process.pid': 43 })).toBe(false);
    expect(compileWhere({ 'process.pid': 42 })({})).toBe(false);
  });
});

describe('rule index', () => {
  const rule = (doc: Record<string, unknown>) => new RuleRuntime(compileRule(validateRule({
    name: 'x', description: 'x', category: 'monitoring', severity: 'P3', type: 'match', group_by: ['source.ip'], ...doc,
  }, `${String(doc.id)}.yaml`), DEFAULT_GLOBAL_ALLOWLIST));
  it('returns how many rules it wrote into the reused array, each once', () => {
    const r1 = rule({ id: 'a', where: { 'event.category': ['authentication', 'session'] } });
    const r2 = rule({ id: 'b', where: { 'event.action': 'ssh_login' } });
    const r3 = rule({ id: 'c', where: { 'user.name': { regex: 'x' } } });
    const idx = new RuleIndex([r1, r2, r3]);
    const out = [r3, r3, r3, r3, r3];
    let n = idx.collect({ 'event.category': ['authentication', 'session'], 'event.action': 'ssh_login' }, 1, out);
    expect(out.slice(0, n).map((r) => r.rule.spec.id).sort()).toEqual(['a', 'b', 'c']);
    n = idx.collect({ 'event.action': 'other' }, 2, out);
    expect(out.slice(0, n).map((r) => r.rule.spec.id)).toEqual(['c']);
  });
});

describe('event clock', () => {
  it('parses each stamp once and answers repeats from the cache, exactly', () => {
    const c = new EventClock();
    const stamps = ['2025-12-10T07:13:43.000Z', '2025-12-10T07:13:43.000Z', '2025-12-10T07:13:44.250Z', '2025-12-10T07:14:00Z',
      '2025-12-10T07:14:00Z', '2025-12-10T09:00:00+02:00', 'not a time', '2025-12-10T07:13:43.000Z'];
    for (const s of stamps) expect(c.parse(s), s).toEqual(Date.parse(s));
    expect(c.parse(undefined)).toBeNaN();
  });
});
