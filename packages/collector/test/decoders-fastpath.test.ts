/**
 * The decoder's fast paths give the same answers as the plain ones: first-character
 * dispatch and compiled per-pattern writers against a linear scan with the generic field
 * writer on every real fixture line, group-name stripping, the RFC 3339 stamp cache, the
 * plain-object events, and the bounded two-generation sshd connection table.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isoTime, newEvent } from '../src/decoders/event.js';
import { setField } from '../src/decoders/fields.js';
import { firstChars } from '../src/decoders/first-chars.js';
import { createDecoder } from '../src/decoders/index.js';
import { PatternTable } from '../src/decoders/pattern-table.js';
import { PrefixParser, type SyslogPrefix } from '../src/decoders/prefix.js';
import { withoutGroupNames } from '../src/decoders/regex-groups.js';
import { firstMatch, loadRuleset, readDecoderFiles, type CompiledPattern } from '../src/decoders/ruleset.js';
import { SshConnections } from '../src/decoders/ssh-state.js';
import type { EcsFields } from '../src/model.js';
import { RULESET_DIR } from '../src/paths.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const lines = (p: string) => readFileSync(join(FIX, p), 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);
const codes = (s: string) => [...s].map((c) => c.charCodeAt(0)).sort((a, b) => a - b);
const set = (x: Set<number> | null) => (x === null ? null : [...x].sort((a, b) => a - b));

describe('firstChars', () => {
  it('reads literals, groups, alternations and quantifiers', () => {
    expect(set(firstChars('^Failed (\\S+) for'))).toEqual(codes('F'));
    expect(set(firstChars('^(?:Invalid|Illegal) user'))).toEqual(codes('I'));
    expect(set(firstChars('^(?:pam_unix\\(sshd:auth\\): )?authentication'))).toEqual(codes('pa'));
    expect(set(firstChars('^(?<a>x)?y'))).toEqual(codes('xy'));
    expect(set(firstChars('^a*b'))).toEqual(codes('ab'));
    expect(set(firstChars('^a{0,2}b'))).toEqual(codes('ab'));
    expect(set(firstChars('^a{2}b'))).toEqual(codes('a'));
    expect(set(firstChars('^(a|)b'))).toEqual(codes('ab'));
    expect(set(firstChars('^\\.x'))).toEqual(codes('.'));
    expect(set(firstChars('^\\d+ x'))).toEqual(codes('0123456789'));
  });

  it('answers "any" (null) for what it does not understand', () => {
    for (const src of ['Failed', '^[abc]', '^.x', '^\\S+', '^(?=x)x', '^(?<!y)x', '^a?', '^(?:a|\\w)', '^\\bx']) {
      expect(firstChars(src), src).toBeNull();
    }
  });
});

describe('withoutGroupNames', () => {
  it('keeps capture numbering, lookbehinds, classes and escapes', () => {
    expect(withoutGroupNames('^(?<a>x)(?<=y)(?<!z)(?:w)[(?<q>]\\(?<r>(?<b_c>\\d+)')).toBe('^(x)(?<=y)(?<!z)(?:w)[(?<q>]\\(?<r>(\\d+)');
    expect(withoutGroupNames('(?<a>x)\\k<a>')).toBe('(?<a>x)\\k<a>');
  });
});

describe('dispatch and compiled writers match the plain scan on real lines', () => {
  const files = ['loghub/OpenSSH_2k.log', 'loghub/Linux_2k.log', ...readdirSync(join(FIX, 'elastic-auth')).map((f) => `elastic-auth/${f}`)];
  for (const type of ['auth', 'syslog']) {
    it(`--type ${type}`, () => {
      const rs = loadRuleset(join(RULESET_DIR, 'decoders'), type);
      const parser = new PrefixParser();
      const pre: SyslogPrefix = { tsMs: NaN, host: '', program: '', pid: NaN, msg: '', matched: false };
      let matched = 0, total = 0;
      for (const f of files) {
        for (const line of lines(f)) {
          parser.parse(line, Date.UTC(2026, 0, 15), pre);
          const own = pre.program ? rs.byProgram.get(pre.program.toLowerCase()) ?? [] : rs.noProgram;
          const all = [...own, ...rs.anyProgram];
          const plain = firstMatch(all, pre.msg);
          const table = new PatternTable(all);
          const fast = table.match(pre.msg);
          expect(fast?.id, line).toBe(plain?.p.id);
          total++;
          if (!plain || !fast) continue;
          matched++;
          const named = new RegExp(namedSources.get(plain.p.id)!).exec(pre.msg)!;
          expect([...table.lastMatch!], line).toEqual([...named]);
          const viaWriter = newEvent('t', 'm', 'event');
          fast.write(viaWriter, table.lastMatch!, { ip: undefined, address: undefined, port: undefined });
          expect(viaWriter, line).toEqual(referenceWrite(plain.p, plain.m));
        }
      }
      expect(matched).toBeGreaterThan(total / 2);
    });
  }
});

/** Each pattern's regex as written (with its group names), from the data files. */
const namedSources = new Map<string, string>();
for (const { file, doc } of readDecoderFiles(join(RULESET_DIR, 'decoders'))) {
  const name = doc.name ?? file.replace(/\.yaml$/, '');
  (doc.patterns ?? []).forEach((p, i) => namedSources.set(`${name}/${p.id ?? i}`, (doc.prefix ?? '') + p.regex));
}

/** The generic (uncompiled) writer: constants, then each capture through setField. */
function referenceWrite(p: CompiledPattern, m: RegExpExecArray): EcsFields {
  const out = newEvent('t', 'm', 'event');
  for (const [k, v] of p.fields) out[k] = Array.isArray(v) ? v.slice() : v;
  p.keys.forEach((k, i) => { const v = m[i + 1]; if (k !== '' && v !== undefined) setField(out, k, v); });
  out['vigil.decoder'] = p.id;
  return out;
}

describe('events and stamps', () => {
  it('isoTime equals toISOString, whole seconds or not, and repeats hand out one instance', () => {
    for (const t of [0, 1733814823000, 1733814823123, 1733814823999.7, -1000, -62135596800000, 253402300799999, Date.UTC(2024, 1, 29, 23, 59, 59, 5)]) {
      expect(isoTime(t, 5)).toBe(new Date(Math.floor(t)).toISOString());
    }
    expect(isoTime(NaN, 7)).toBe('1970-01-01T00:00:00.007Z');
    expect(isoTime(1e20, 7)).toBe('1970-01-01T00:00:00.007Z');
    const a = isoTime(1733814823000, 0);
    expect(isoTime(1733814823000, 0)).toBe(a);
  });

  it('decoded events are plain objects with the stream position and type up front', () => {
    const ev = createDecoder('auth').decode('Dec 10 07:13:43 LabSZ sshd[24227]: Failed password for root from 5.36.59.76 port 42393 ssh2', { readTimeMs: Date.UTC(2026, 0, 15), path: '/var/log/auth.log', offset: 42 });
    expect(Object.getPrototypeOf(ev)).toBe(Object.prototype);
    expect(ev.constructor).toBe(Object);
    expect(Object.keys(ev).slice(0, 6)).toEqual(['@timestamp', 'message', 'event.kind', 'log.file.path', 'log.offset', 'vigil.type']);
    expect(ev).toMatchObject({ 'log.file.path': '/var/log/auth.log', 'log.offset': 42, 'vigil.type': 'auth', 'source.ip': '5.36.59.76', 'source.port': 42393, 'vigil.attempts': 1 });
    expect(JSON.parse(JSON.stringify(ev))).toEqual(ev);
  });
});

describe('sshd connection table', () => {
  const src = (ip?: string) => ({ ip, address: ip, port: undefined });
  const fail = (c: SshConnections, key: number, ip?: string): EcsFields => {
    const ev: EcsFields = { 'event.outcome': 'failure' };
    if (ip) { ev['source.ip'] = ip; ev['source.address'] = ip; }
    c.apply(key, ev, src(ip), 'restate', true, 1, 1000);
    return ev;
  };

  it('remembers a connection touched within the last max/2 new ones, forgets one left alone longer', () => {
    const c = new SshConnections(8); // generations of 4
    fail(c, 1, '192.0.2.1');
    fail(c, 2, '192.0.2.2');
    for (let k = 100; k < 106; k++) fail(c, k, '198.51.100.1'); // 6 new connections
    fail(c, 1); // touched again ... too late: 6 > 4 new ones since
    expect(fail(c, 1)['source.ip']).toBeUndefined();
    const d = new SshConnections(8);
    fail(d, 1, '192.0.2.1');
    for (let k = 100; k < 103; k++) fail(d, k, '198.51.100.1'); // 3 new ones
    const ev = fail(d, 1); // still known: inherits its address, and counts nothing again
    expect(ev['source.ip']).toBe('192.0.2.1');
    expect(ev['vigil.attempts']).toBe(0);
    for (let k = 200; k < 203; k++) fail(d, k, '198.51.100.2'); // 3 more: 1 was touched, so it survives
    expect(fail(d, 1)['source.ip']).toBe('192.0.2.1');
  });
});
