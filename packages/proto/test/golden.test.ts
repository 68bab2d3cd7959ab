// Golden encodings: the bytes of representative frames are fixed in test/golden/*.hex.
// A schema change that alters any existing encoding fails here; appended fields do not.
// Regenerate a golden only for a deliberate, documented wire change (VIGIL_GOLDEN=write).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compressFrame, decodeAgentFrame, decodeCollectorFrame, expandFrame, encodeAgentFrame, encodeBatchFrame,
  encodeCollectorFrame, encodeEventsFragment, FrameError, frameBody, type AgentFrame, type Event,
} from '../src/index.js';

const T0 = 1795000000000; // fixed clock
const events: Event[] = [
  { timeMs: T0, line: { type: 'auth', path: '/var/log/auth.log', offset: 4294967296 + 17, text: 'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186' } },
  { timeMs: T0 + 1, line: { type: 'auth', path: 'journal', text: 'x'.repeat(10), truncated: true, originalLength: 70000, fields: { _PID: '42', SYSLOG_IDENTIFIER: 'sshd' } } },
  { timeMs: T0 + 2, metrics: { samples: [{ name: 'cpu.pct', value: 12.5 }, { name: 'fs.used_pct', value: 81, labels: { mount: '/' } }] } },
  { timeMs: T0 + 3, containerEvent: { id: 'c0ffee', name: 'web', image: 'busybox', action: 'die', exitCode: 137, attributes: { signal: '9' }, timeNano: 1795000000123456789 / 1 } },
  { timeMs: T0 + 4, containerState: { id: 'c0ffee', name: 'web', state: 'restarting', health: 'unhealthy', restartCount: 3, exitCode: 1, oomKilled: true, memoryUsage: 1024, memoryLimit: 8388608 } },
  { timeMs: T0 + 5, probe: { name: 'app', url: 'http://localhost:3001/api/health', success: false, statusCode: 503, latencyMs: 12.25, error: 'status 503' } },
  { timeMs: T0 + 6, loss: { droppedEvents: 10, droppedBytes: 999, firstSeq: 1, lastSeq: 10, reason: 'outbox full' } },
];

const frames: Record<string, () => Uint8Array> = {
  hello: () => encodeAgentFrame({ hello: { agentName: 'web-1', version: '0.1.0', bootId: 'b00t', clockMs: T0, instanceId: 'inst-1', host: { hostname: 'web-1', os: 'debian 12', cpus: 2, memoryBytes: 25769803776, ips: ['127.0.0.1'] } } }),
  batch: () => encodeBatchFrame(1000, T0, [encodeEventsFragment(events.slice(0, 3)), encodeEventsFragment(events.slice(3))]),
  heartbeat: () => encodeAgentFrame({ heartbeat: { clockMs: T0, stats: { linesRead: 5, bytesRead: 500, eventsDropped: 1, outboxBytes: 4096, outboxEvents: 2, ackedSeq: 3, cpuPct: 0.5, rssBytes: 50e6 } } }),
  welcome: () => encodeCollectorFrame({ welcome: { lastSeq: 999, clockMs: T0, maxFrameBytes: 4 << 20 } }),
  welcomeDeflated: () => encodeCollectorFrame({ welcome: { lastSeq: 999, clockMs: T0, maxFrameBytes: 4 << 20, acceptsDeflated: true } }),
  ack: () => encodeCollectorFrame({ ack: { seq: 1006 } }),
  refusal: () => encodeCollectorFrame({ refusal: { reason: 'malformed frame' } }),
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const goldenPath = (name: string) => new URL(`./golden/${name}.hex`, import.meta.url);

describe('wire format', () => {
  for (const [name, make] of Object.entries(frames)) {
    it(`${name} encodes to its golden bytes`, () => {
      const got = hex(make());
      const path = goldenPath(name);
      if (process.env.VIGIL_GOLDEN === 'write' || !existsSync(path)) writeFileSync(path, got + '\n');
      expect(got).toBe(readFileSync(path, 'utf8').trim());
    });
  }

  it('batch frames built from fragments decode to the original events', () => {
    const frame = decodeAgentFrame(frames.batch());
    expect(frame.batch?.firstSeq).toBe(1000);
    expect(frame.batch?.events).toHaveLength(events.length);
    const back = frame.batch!.events.map((e) => JSON.parse(JSON.stringify(e)));
    expect(back[0].line.text).toBe(events[0].line!.text);
    expect(frame.batch!.events[0].line!.offset).toBe(4294967313);
    expect(frame.batch!.events[4].containerState!.restartCount).toBe(3);
    expect(frame.batch!.events[6].loss!.droppedEvents).toBe(10);
  });

  it('fragments concatenate like one encoding', () => {
    const whole = encodeBatchFrame(1, T0, [encodeEventsFragment(events)]);
    const split = encodeBatchFrame(1, T0, [encodeEventsFragment(events.slice(0, 2)), encodeEventsFragment(events.slice(2))]);
    expect(hex(split)).toBe(hex(whole));
    expect(decodeAgentFrame(whole).batch?.events).toHaveLength(events.length);
  });

  it('collector frames round-trip', () => {
    expect(decodeCollectorFrame(frames.ack()).ack?.seq).toBe(1006);
    expect(decodeCollectorFrame(frames.welcome()).welcome?.lastSeq).toBe(999);
    const hb = decodeAgentFrame(frames.heartbeat()) as AgentFrame;
    expect(hb.heartbeat?.stats?.rssBytes).toBe(50e6);
  });

  // The field numbers on the wire: AgentFrame.deflated is 4, .brotli 5 (length-delimited: tags 0x22, 0x2a).
  for (const [codec, tag, past] of [['deflated', 0x22, /inflates past/], ['brotli', 0x2a, /expands past/]] as const) {
    it(`a ${codec} batch frame expands back to the same frame; the bound, bad data and non-batches raise FrameError`, () => {
      const batch = frames.batch();
      const bytes = compressFrame(batch, codec);
      expect(bytes[0]).toBe(tag);
      const wrapped = decodeAgentFrame(bytes);
      expect(frameBody(wrapped)).toBe(codec);
      expect(wrapped[codec]!.length).toBeLessThan(batch.length);
      const back = expandFrame(wrapped[codec]!, codec, batch.length);
      expect(back.bytes).toBe(batch.length);
      expect(hex(encodeAgentFrame(back.frame))).toBe(hex(encodeAgentFrame(decodeAgentFrame(batch))));
      expect(() => expandFrame(wrapped[codec]!, codec, batch.length - 1)).toThrow(past);
      expect(() => expandFrame(Uint8Array.from([1, 2, 3, 4, 5]), codec, 1 << 20)).toThrow(FrameError);
      const heartbeat = decodeAgentFrame(compressFrame(frames.heartbeat(), codec))[codec]!;
      expect(() => expandFrame(heartbeat, codec, 1 << 20)).toThrow(/must carry a batch/);
      expect(frameBody(decodeAgentFrame(frames.hello()))).toBe('hello');
    });
  }

  it('plain line events (the direct encoder) encode byte for byte as protobufjs does', () => {
    const lines: Event[] = [
      { timeMs: T0, line: { type: 'auth', path: '/var/log/auth.log', offset: 0, text: 'short' } },
      { timeMs: 0, line: { type: 'auth', path: '/var/log/auth.log', offset: 2 ** 40 + 3, text: 'Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root from 173.234.31.186 port 38926 ssh2' } },
      { timeMs: T0 + 1, line: { type: '', path: '/var/log/ünïcödé/säcurity.log', text: 'été 日本語 🎉 and a long enough tail to pass forty bytes', truncated: false } },
      { timeMs: T0 + 2, line: { type: 'syslog', text: '', truncated: true, originalLength: 70000 } },
      { timeMs: T0 + 3, line: { type: 'backup', path: 'p', offset: 127, text: 'x'.repeat(200), originalLength: 128 } },
    ];
    const loss: Event = { timeMs: T0, loss: { droppedEvents: 1 } };
    const tail = encodeEventsFragment([loss]).length;
    const viaProtobufjs = encodeEventsFragment([...lines, loss]); // a non-line event: all through protobufjs
    const reference = hex(viaProtobufjs.subarray(0, viaProtobufjs.length - tail));
    expect(hex(encodeEventsFragment(lines))).toBe(reference);
    for (let i = 0; i < lines.length; i++) {
      const one = encodeEventsFragment([lines[i], loss]);
      expect(hex(encodeEventsFragment([lines[i]])), `line ${i}`).toBe(hex(one.subarray(0, one.length - tail)));
    }
    const back = decodeAgentFrame(encodeBatchFrame(1, T0, [encodeEventsFragment(lines)])).batch!.events!;
    expect(back.map((e) => e.line!.text)).toEqual(lines.map((e) => e.line!.text));
    expect(back[1].line!.offset).toBe(2 ** 40 + 3);
    // Not plain (lone surrogate, negative time): left to protobufjs, still one fragment.
    const odd: Event[] = [{ timeMs: -5, line: { type: 'auth', text: 'a' } }, { timeMs: T0, line: { type: 'auth', text: 'bad \ud800 half' } }];
    expect(decodeAgentFrame(encodeBatchFrame(1, T0, [encodeEventsFragment(odd)])).batch!.events!.map((e) => Number(e.timeMs))).toEqual([-5, T0]);
  });

  it('malformed bytes raise FrameError', () => {
    expect(() => decodeAgentFrame(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(FrameError);
    expect(() => decodeAgentFrame(Uint8Array.from([0x12, 0x10, 0x08]))).toThrow(FrameError);
  });
});
