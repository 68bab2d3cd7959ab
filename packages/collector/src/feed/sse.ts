/**
 * GET /api/feed as Server-Sent Events: `id:` is the feed sequence number, `event: alert`
 * with `data:` the JSON {change, alert}; `event: gap` when a resume point has been
 * trimmed; `: heartbeat` comments keep the connection alive. Last-Event-ID (header or
 * ?last_event_id=) replays what the client missed before going live. Everything sent is
 * JSON inside text/event-stream, never markup. A revoked token's stream is closed.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { principalOf, requireRole, type Authenticate } from '../api/require-role.js';
import type { ServerHooks } from '../module-contract.js';
import { sendError } from '../api/errors.js';
import { parseFeedRequest } from './filter.js';
import type { FeedHub } from './hub.js';
import type { FeedTransport } from './subscriber.js';

/** The socket buffer above which a client is considered pushing back. */
const HIGH_WATER = 64 * 1024;

export function sseTransport(res: ServerResponse): FeedTransport {
  const write = (chunk: string): boolean => {
    if (res.destroyed || res.writableEnded) return true;
    res.write(chunk);
    return res.writableLength < HIGH_WATER;
  };
  return {
    // JSON.stringify never emits raw newlines, so one `data:` line is always well-formed.
    sendEntry: (e) => write(`id: ${e.seq}\nevent: alert\ndata: ${e.json}\n\n`),
    sendGap: (from, to) => write(`id: ${to}\nevent: gap\ndata: ${JSON.stringify({ missed_from: from, missed_to: to })}\n\n`),
    onDrain: (cb) => res.on('drain', cb),
    heartbeat: () => void write(`: heartbeat ${new Date().toISOString()}\n\n`),
    close: () => { res.destroy(); },
  };
}

export function registerSseRoute(app: FastifyInstance, hub: FeedHub, auth: Authenticate, watchToken: ServerHooks['watchToken']): void {
  app.get('/api/feed', { preHandler: requireRole(auth, 'viewer') }, async (req, reply) => {
    const header = req.headers['last-event-id'];
    const parsed = parseFeedRequest(req.query as Record<string, unknown>, typeof header === 'string' ? header.trim() : undefined);
    if (!parsed.ok) return sendError(reply, 400, parsed.error, parsed.parameter);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 2000\n\n');
    const sub = hub.add(sseTransport(res), parsed.value.filter, parsed.value.lastEventId);
    const unwatch = watchToken(principalOf(req).tokenId, () => sub.close('token revoked'));
    res.on('close', () => { unwatch(); hub.remove(sub); });
  });
}
