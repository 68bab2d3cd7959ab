/**
 * Line formats end to end on real files: bytes that are not UTF-8 (through the agent's
 * splitter and through replay's reader), and `journalctl -o json` exports replayed as
 * `--type auth`, each decoded into failures that the brute-force rule counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from '../packages/agent/src/sources/file/splitter.js';
import { createDecoder } from '../packages/collector/src/decoders/index.js';
import { replayFiles } from '../packages/collector/src/rules/replay.js';
import { RULESET_DIR } from '../packages/collector/src/paths.js';

const READ = Date.UTC(2026, 2, 15);
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-formats-'));
  dirs.push(d);
  return d;
}

/** Five failed passwords from one source whose user names hold invalid UTF-8 sequences. */
function badBytesLog(): Buffer {
  const bad = [Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe9]), Buffer.from([0xf0, 0x9f])];
  return Buffer.concat(bad.map((b, i) => Buffer.concat([
    Buffer.from(`Mar  3 10:00:0${i} web1 sshd[${700 + i}]: Failed password for invalid user a`),
    b,
    Buffer.from(`z from 203.0.113.50 port ${40000 + i} ssh2\n`),
  ])));
}

describe('non-UTF-8 bytes', () => {
  it('the agent splitter turns them into U+FFFD and every line still decodes as a failure with its source', () => {
    const bytes = badBytesLog();
    const sp = new LineSplitter(64 * 1024, 64 * 1024, 0);
    const t = sp.target();
    bytes.copy(t.buf, t.pos);
    const texts: string[] = [];
    sp.consume(bytes.length, (text) => texts.push(text));
    expect(texts).toHaveLength(5);
    const dec = createDecoder('auth');
    for (const text of texts) {
      expect(text).toContain('\uFFFD');
      const ev = dec.decode(text, { readTimeMs: READ });
      expect(ev['event.outcome']).toBe('failure');
      expect(ev['source.ip']).toBe('203.0.113.50');
      expect(ev['vigil.attempts']).toBe(1);
      expect(String(ev['user.name'])).toMatch(/^a\uFFFD+\(?z$/);
    }
  });

  it('replay reads them too and ssh-brute-force fires on the five attempts', async () => {
    const file = join(tmp(), 'auth.log');
    writeFileSync(file, badBytesLog());
    const sum = await replayFiles([file], { type: 'auth', rulesDir: join(RULESET_DIR, 'detections') });
    expect(sum.lines).toBe(5);
    expect(sum.unparsed).toBe(0);
    const bf = sum.alerts.filter((a) => a.rule.id === 'ssh-brute-force');
    expect(bf).toHaveLength(1);
    expect(bf[0].group['source.ip']).toBe('203.0.113.50');
  });
});

describe('journalctl -o json exports', () => {
  it('replayed as --type auth: fields from the entry, MESSAGE byte arrays decoded, brute force detected', async () => {
    const base = BigInt(Date.UTC(2026, 2, 3, 10, 0, 0)) * 1000n;
    const lines = [0, 1, 2, 3, 4].map((i) => {
      const msg = `Failed password for root from 198.51.100.60 port ${41000 + i} ssh2`;
      const MESSAGE = i === 4 ? [...Buffer.from(msg.replace('root', 'r\u00e9ot'))].map((b) => (b === 0xc3 ? 0xff : b)) : msg;
      return JSON.stringify({ __REALTIME_TIMESTAMP: String(base + BigInt(i) * 1_000_000n), _HOSTNAME: 'deb12', SYSLOG_IDENTIFIER: 'sshd', _PID: String(900 + i), MESSAGE });
    });
    const file = join(tmp(), 'journal.json');
    writeFileSync(file, lines.join('\n') + '\n');
    const events: Array<Record<string, unknown>> = [];
    const sum = await replayFiles([file], { type: 'auth', rulesDir: join(RULESET_DIR, 'detections'), onEvent: (f) => events.push(f) });
    expect(sum.unparsed).toBe(0);
    expect(events.map((e) => e['host.name'])).toEqual(Array(5).fill('deb12'));
    expect(events.map((e) => e['process.pid'])).toEqual([900, 901, 902, 903, 904]);
    expect(events[0]['@timestamp']).toBe('2026-03-03T10:00:00.000Z');
    expect(events.every((e) => e['event.outcome'] === 'failure' && e['source.ip'] === '198.51.100.60')).toBe(true);
    expect(String(events[4]['user.name'])).toContain('\uFFFD');
    expect(sum.alerts.filter((a) => a.rule.id === 'ssh-brute-force')).toHaveLength(1);
  });

  it('a JSON line that is not a journal entry stays an unparsed line, not an error', () => {
    const ev = createDecoder('auth').decode('{"level":"info","msg":"hello"}', { readTimeMs: READ });
    expect(ev['vigil.error']).toBeUndefined();
    expect(ev.message).toBe('{"level":"info","msg":"hello"}');
  });
});
