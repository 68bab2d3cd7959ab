/**
 * A small real collector for transport tests: an HTTP(S) server on 127.0.0.1:0 whose
 * /ingest upgrade checks the bearer token (401 before upgrade otherwise) and speaks the
 * wire protocol: Hello -> Welcome{lastSeq}, Batch (or a deflated one, when state says it
 * accepts them) -> store by seq (dedupe) -> Ack.
 */
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { decodeAgentFrame, encodeCollectorFrame, frameBody, expandFrame } from '@vigil/proto';
import type { Event, Heartbeat, Hello } from '@vigil/proto';

export interface FakeState {
  tokens: Set<string>;
  events: Map<number, Event>;   // seq -> event
  lastSeq: number;
  duplicates: number;
  hellos: Hello[];
  heartbeats: Heartbeat[];
  frameSizes: number[];
  headers: IncomingMessage['headers'][];
  extensions: string[];
  rejected: number;
  /** When set, acks are queued here instead of sent (release with releaseAcks). */
  heldAcks?: Array<() => void>;
  /** Welcome says batches may come deflated / as Brotli; how many did. */
  acceptsDeflated?: boolean;
  acceptsBrotli?: boolean;
  deflated: number;
  brotli: number;
}

export function newState(token = 'good-token'): FakeState {
  return { tokens: new Set([token]), events: new Map(), lastSeq: 0, duplicates: 0, hellos: [], heartbeats: [],
    frameSizes: [], headers: [], extensions: [], rejected: 0, deflated: 0, brotli: 0 };
}

export interface FakeCollector { port: number; url: string; server: Server; close(): Promise<void>; refuseNext?: string }

export async function startFakeCollector(state: FakeState, opts: { port?: number; tls?: { cert: string; key: string } } = {}): Promise<FakeCollector> {
  const server: Server = opts.tls ? createHttps({ cert: opts.tls.cert, key: opts.tls.key }) : createHttp();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  const fake = {} as FakeCollector;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (req.url !== '/ingest' || !token || !state.tokens.has(token)) {
      state.rejected++;
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    state.headers.push(req.headers);
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });
  function onConnection(ws: WebSocket): void {
    state.extensions.push(String((ws as unknown as { extensions: string }).extensions ?? ''));
    ws.on('message', (data: Buffer) => {
      state.frameSizes.push(data.length);
      let frame = decodeAgentFrame(data);
      const body = frameBody(frame);
      if (body === 'deflated' || body === 'brotli') {
        state[body]++;
        frame = expandFrame(body === 'brotli' ? frame.brotli! : frame.deflated!, body, 4 * 1024 * 1024).frame;
      }
      if (frame.hello) {
        state.hellos.push(frame.hello);
        if (fake.refuseNext) {
          ws.send(encodeCollectorFrame({ refusal: { reason: fake.refuseNext } }));
          ws.close(4000, 'refused');
          return;
        }
        ws.send(encodeCollectorFrame({ welcome: { lastSeq: state.lastSeq, clockMs: Date.now(), maxFrameBytes: 4 * 1024 * 1024, acceptsDeflated: state.acceptsDeflated, acceptsBrotli: state.acceptsBrotli } }));
      } else if (frame.heartbeat) {
        state.heartbeats.push(frame.heartbeat);
      } else if (frame.batch) {
        const first = Number(frame.batch.firstSeq);
        frame.batch.events.forEach((ev, i) => {
          const seq = first + i;
          if (seq <= state.lastSeq) state.duplicates++;
          else state.events.set(seq, ev);
        });
        state.lastSeq = Math.max(state.lastSeq, first + frame.batch.events.length - 1);
        const ack = encodeCollectorFrame({ ack: { seq: state.lastSeq } });
        if (state.heldAcks) state.heldAcks.push(() => ws.send(ack));
        else ws.send(ack);
      }
    });
  }
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(fake, {
    port, server, url: `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  });
  return fake;
}

/** Polls until cond() holds (or fails after timeoutMs). */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
