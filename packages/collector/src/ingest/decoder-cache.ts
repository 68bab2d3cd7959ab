/**
 * One StreamDecoder per (agent, path, type), so a stream's decoder keeps its own state
 * (e.g. sshd connections seen earlier in that file); bounded, least recently used first
 * out, so a host with ever-changing file names cannot grow it without end. Carries the
 * line cap lines are cut to before these decoders see them (line-cap.ts).
 */
import { createDecoder, type StreamDecoder } from '../decoders/index.js';
import { DEFAULT_MAX_LINE_BYTES } from './line-cap.js';

export class DecoderCache {
  private readonly map = new Map<string, StreamDecoder>();
  /** The most recently used entry (never the one evicted): consecutive lines mostly share it. */
  private last: { agent: string; path: string; type: string; decoder: StreamDecoder } | undefined;
  constructor(readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES, private readonly max = 10_000) {}

  get(agent: string, path: string, type: string): StreamDecoder {
    const l = this.last;
    if (l && l.agent === agent && l.path === path && l.type === type) return l.decoder;
    const key = `${agent}\u0000${path}\u0000${type}`;
    let d = this.map.get(key);
    if (d) {
      this.map.delete(key); // re-insert: Map order is recency
    } else {
      d = createDecoder(type);
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    }
    this.map.set(key, d);
    this.last = { agent, path, type, decoder: d };
    return d;
  }

  get size(): number { return this.map.size; }

  /** Characters held in keys (agent, path and type: paths come capped, field-caps.ts). */
  get keyChars(): number {
    let n = 0;
    for (const k of this.map.keys()) n += k.length;
    return n;
  }
}
