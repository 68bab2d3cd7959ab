/**
 * The feed over a WebSocket upgrade on /api/feed: the same entries as SSE, as JSON text
 * messages {"type":"alert","id":seq,"change",...,"alert":{...}} or {"type":"gap",...};
 * ?last_event_id= resumes. Authenticated on the upgrade request (Bearer, viewer), a bad
 * token gets HTTP 401 before any upgrade; a revoked token's socket is closed. Backpressure counts bytes not yet flushed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { authorize, type Authenticate } from '../api/require-role.js';
import type { ServerHooks, UpgradeHandler } from '../module-contract.js';
import { parseFeedRequest } from './filter.js';
import type { FeedHub } from './hub.js';
import type { FeedTransport } from './subscriber.js';

const HIGH_WATER = 64 * 1024;

function refuse(socket: Duplex, status: number, error: string, parameter?: string): void {
  const body = JSON.stringify(parameter === undefined ? { error } : { error, parameter });
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function wsTransport(ws: WebSocket): FeedTransport {
  let pending = 0;
  let drain: (() => void) | undefined;
  let waiting = false;
  const send = (msg: string): boolean => {
    if (ws.readyState !== ws.OPEN) return true;
    const n = Buffer.byteLength(msg);
    pending += n;
    ws.send(msg, () => {
      pending -= n;
      if (waiting && pending < HIGH_WATER / 2) { waiting = false; drain?.(); }
    });
    if (pending >= HIGH_WATER) waiting = true;
    return !waiting;
  };
  return {
    sendEntry: (e) => send(`{"type":"alert","id":${e.seq},${e.json.slice(1)}`),
    sendGap: (from, to) => send(JSON.stringify({ type: 'gap', id: to, missed_from: from, missed_to: to })),
    onDrain: (cb) => { drain = cb; },
    heartbeat: () => { if (ws.readyState === ws.OPEN) ws.ping(); },
    close: (reason) => ws.close(1008, reason.slice(0, 120)),
  };
}

export function feedUpgradeHandler(hub: FeedHub, auth: Authenticate, watchToken: ServerHooks['watchToken']): { handler: UpgradeHandler; close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const handler: UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void (async () => {
      const out = await authorize(auth, req, 'viewer');
      if (!out.ok) return refuse(socket, out.status, out.error);
      const url = new URL(req.url ?? '/', 'http://feed');
      const parsed = parseFeedRequest(Object.fromEntries(url.searchParams), undefined);
      const dup = [...url.searchParams.keys()].find((k, i, all) => all.indexOf(k) !== i);
      if (dup) return refuse(socket, 400, `${dup}: given more than once`, dup);
      if (!parsed.ok) return refuse(socket, 400, parsed.error, parsed.parameter);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const sub = hub.add(wsTransport(ws), parsed.value.filter, parsed.value.lastEventId);
        const unwatch = watchToken(out.principal.tokenId, () => sub.close('token revoked'));
        ws.on('close', () => { unwatch(); hub.remove(sub); });
        ws.on('error', () => ws.terminate());
        ws.on('message', () => { /* the feed is one-way; client messages are ignored */ });
      });
    })().catch(() => socket.destroy());
  };
  return { handler, close: () => wss.close() };
}
