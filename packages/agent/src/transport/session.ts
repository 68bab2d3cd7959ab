/**
 * One WebSocket connection to the collector: Hello first, then Welcome{lastSeq} (the
 * outbox drops what the collector has and sending resumes at lastSeq+1), then Batch
 * frames built from outbox fragments without re-encoding (compressed here, Brotli or
 * DEFLATE, when the collector accepts it), bounded in size and in a window of unacked
 * frames, lingering briefly to fill frames; Acks delete from the outbox; heartbeats carry
 * AgentStats; missing pongs end it.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { compressFrame, decodeCollectorFrame, encodeAgentFrame, encodeBatchFrame, type FrameCodec } from '@vigil/proto';
import type { AgentStats, CollectorFrame, Logger } from '@vigil/proto';
import type { Outbox } from '../outbox/outbox.js';
import { helloFrame } from './hello.js';

export interface SessionOptions {
  url: string; token: string; name: string; version: string; ca?: string | Buffer;
  outbox: Outbox; log: Logger; stats: () => AgentStats;
  lingerMs: number; heartbeatMs: number; maxFrameBytes: number; windowFrames: number; windowBytes: number;
}

const FRAME_HEADROOM = 64;   // Batch header and length prefixes around the fragments

export class Session extends EventEmitter {
  readonly ws: WebSocket;
  private sendSeq = 0;
  private welcomed = false;
  private inflight: Array<{ last: number; bytes: number }> = [];
  private inflightBytes = 0;
  private frameLimit: number;
  /**
   * How batch frames are compressed here, when the collector expands them itself (one
   * synchronous call each): Brotli where accepted, else DEFLATE; null: permessage-deflate.
   */
  private codec: FrameCodec | null = null;
  private lingerTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private welcomeTimer: NodeJS.Timeout | undefined;
  private lastHeard = Date.now();
  private closed = false;

  constructor(private readonly o: SessionOptions) {
    super();
    this.frameLimit = o.maxFrameBytes;
    this.ws = new WebSocket(`${o.url}/ingest`, {
      headers: { authorization: `Bearer ${o.token}`, 'x-vigil-agent': o.name },
      perMessageDeflate: { zlibDeflateOptions: { level: 1 }, threshold: 256 },
      ca: o.ca, handshakeTimeout: 10_000, maxPayload: 16 * 1024 * 1024,
    });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      this.emit('rejected', status);
      if (status === 401) o.log.error('collector refused the agent token (HTTP 401); will retry', { agent: o.name });
      else o.log.warn('collector answered the upgrade with an HTTP error', { status });
      this.ws.terminate();   // aborts the handshake: error + close, then the client backs off
    });
    this.ws.on('open', () => this.onOpen());
    this.ws.on('message', (data: Buffer) => this.onMessage(data));
    this.ws.on('pong', () => { this.lastHeard = Date.now(); });
    this.ws.on('error', (err) => this.emit('neterror', err));
    this.ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  get ready(): boolean { return this.welcomed && !this.closed; }
  get unacked(): number { return this.inflight.length; }

  private onOpen(): void {
    this.send(encodeAgentFrame({ hello: helloFrame(this.o.name, this.o.version, this.o.outbox.instanceId) }));
    this.welcomeTimer = setTimeout(() => {
      this.o.log.warn('no Welcome from the collector within 15 s; reconnecting');
      this.ws.terminate();
    }, 15_000);
  }

  private onMessage(data: Buffer): void {
    this.lastHeard = Date.now();
    let frame: CollectorFrame;
    try {
      frame = decodeCollectorFrame(data);
    } catch (err) {
      this.o.log.error('undecodable frame from the collector; closing', { error: (err as Error).message });
      this.ws.close(1002, 'undecodable frame');
      return;
    }
    if (frame.welcome) this.onWelcome(Number(frame.welcome.lastSeq ?? 0), frame.welcome.maxFrameBytes, frame.welcome.acceptsBrotli === true ? 'brotli' : frame.welcome.acceptsDeflated === true ? 'deflated' : null);
    else if (frame.ack) this.onAck(Number(frame.ack.seq ?? 0));
    else if (frame.refusal) {
      this.o.log.error('collector refused the session', { reason: frame.refusal.reason });
      this.emit('refusal', frame.refusal.reason);
    }
  }

  private onWelcome(lastSeq: number, maxFrame: number | undefined, codec: FrameCodec | null): void {
    clearTimeout(this.welcomeTimer);
    this.codec = codec;
    if (maxFrame && maxFrame > 4096) this.frameLimit = Math.min(this.o.maxFrameBytes, maxFrame);
    this.o.outbox.resume(lastSeq);
    this.sendSeq = lastSeq + 1;
    this.welcomed = true;
    this.o.log.info('connected to the collector', { last_seq: lastSeq, next_seq: this.o.outbox.nextSeq });
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.o.heartbeatMs);
    this.emit('welcome', lastSeq);
    this.pump();
  }

  private onAck(seq: number): void {
    this.o.outbox.ack(seq);
    while (this.inflight.length > 0 && this.inflight[0].last <= seq) {
      this.inflightBytes -= this.inflight.shift()!.bytes;
    }
    this.emit('ack', seq);
    this.pump();
  }

  /** New events in the outbox: send once the linger expires (or at once when a frame is full). */
  wake(): void {
    if (!this.ready || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => { this.lingerTimer = undefined; this.pump(); }, this.o.lingerMs);
  }

  /** Sends frames while the window has room and the outbox has unsent events. */
  pump(): void {
    if (this.lingerTimer) { clearTimeout(this.lingerTimer); this.lingerTimer = undefined; }
    while (this.ready && this.inflight.length < this.o.windowFrames && this.inflightBytes < this.o.windowBytes) {
      if (this.sendSeq >= this.o.outbox.nextSeq) return;
      const run = this.o.outbox.read(this.sendSeq, this.frameLimit - FRAME_HEADROOM);
      if (!run) return;
      const frame = encodeBatchFrame(run.firstSeq, Date.now(), run.fragments);
      // Compressed here, not by permessage-deflate: the collector then expands it in one call
      // instead of waiting for its zlib thread between other work.
      if (this.codec !== null) this.send(compressFrame(frame, this.codec), false);
      else this.send(frame);
      const last = run.firstSeq + run.count - 1;
      this.inflight.push({ last, bytes: frame.length });
      this.inflightBytes += frame.length;
      this.sendSeq = last + 1;
      this.o.outbox.sentUpTo = last;
    }
  }

  private heartbeat(): void {
    if (Date.now() - this.lastHeard > this.o.heartbeatMs * 3) {
      this.o.log.warn('collector silent for 3 heartbeats; reconnecting');
      this.ws.terminate();
      return;
    }
    this.send(encodeAgentFrame({ heartbeat: { clockMs: Date.now(), stats: this.o.stats() } }));
    this.ws.ping();
  }

  private send(bytes: Uint8Array, compress = true): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes, { binary: true, compress });
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.o.outbox.sentUpTo = 0; // nothing is in flight once the session is gone
    clearTimeout(this.welcomeTimer);
    clearTimeout(this.lingerTimer);
    clearInterval(this.heartbeatTimer);
    this.emit('closed', code, reason);
  }

  /** Closes the connection (gracefully, then by force after graceMs). */
  close(graceMs = 2000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => this.ws.terminate(), graceMs);
      this.once('closed', () => { clearTimeout(t); resolve(); });
      if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
      else this.ws.close(1000, 'agent stopping');
    });
  }
}
