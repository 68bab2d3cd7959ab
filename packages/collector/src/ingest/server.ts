/**
 * The ingest endpoint: WebSocket upgrades on /ingest (ws, noServer, permessage-deflate,
 * bounded frames), token and X-Vigil-Agent checked on the upgrade (a refused agent gets 401,
 * never a socket). One session per agent name, closed when its token is revoked; commits go
 * through the pipeline (a writer thread for a file database) with socket backpressure, WAL
 * checkpoints to a worker after commits; everything closes on shutdown.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { LogLimiter } from '@vigil/proto';
import type { CollectorContext } from '../context.js';
import type { AgentRegistry } from '../store/agents.js';
import type { EventStore } from '../store/events.js';
import type { TokenWatch } from '../store/token-watch.js';
import { refuseUpgrade, type Authenticator } from '../api/auth.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { Checkpointer } from '../store/checkpointer.js';
import { createCommitPipeline } from './pipeline.js';
import { createIngestCounters } from './counters.js';
import { DecoderCache } from './decoder-cache.js';
import { FieldCaps } from './field-caps.js';
import { AgentSession } from './session.js';
import type { BodyHandlers } from './handlers.js';

export interface IngestDeps {
  auth: Authenticator;
  watch: TokenWatch;
  events: EventStore;
  agents: AgentRegistry;
  metrics: MetricsRegistry;
  maxFrameBytes: number;
  /** Lines longer than this are cut and flagged (ingest.max_line_bytes). */
  maxLineBytes: number;
  /** The wire-body handlers modules register (filled after ingest is created, read per event). */
  bodies: BodyHandlers;
}

export interface Ingest {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connections(): number;
  close(): Promise<void>;
}

/** Batches queued for decoding before ingest stops reading agent sockets. */
const MAX_BACKLOG = 4;

export function createIngest(ctx: CollectorContext, deps: IngestDeps): Ingest {
  const counters = createIngestCounters(deps.metrics);
  const checkpoints = ctx.db.memory ? undefined
    : new Checkpointer(ctx.db.name, { onError: (error) => ctx.log.warn('wal checkpoint failed', { error }) });
  // Batches commit through the write queue (a writer thread for a file) while this thread decodes the next ones.
  const pipeline = createCommitPipeline({
    writer: ctx.writer, reader: ctx.db, agents: deps.agents, decoders: new DecoderCache(deps.maxLineBytes), bodies: deps.bodies, templates: deps.events.templates,
    afterCommit: () => checkpoints?.request(),
    onAccepted: (events) => {
      try { ctx.bus.emit('accepted', events); } catch (e) { ctx.log.error('accepted listener failed', { error: (e as Error).message }); }
    },
    onSettled: () => resumeIfRoom(),
  });
  // Backpressure: while MAX_BACKLOG batches wait behind the writer, agent sockets are not
  // read, so further frames wait undecoded (kernel buffers, the agents' windows) and memory
  // stays bounded however many agents send at once.
  const paused = new Set<WebSocket>();
  const resumeIfRoom = () => {
    if (paused.size === 0 || pipeline.backlog >= MAX_BACKLOG) return;
    for (const ws of paused) ws.resume();
    paused.clear();
  };
  // Agents compress with level 1; our frames (acks, welcomes) are tiny and stay uncompressed.
  const wss = new WebSocketServer({
    noServer: true, maxPayload: deps.maxFrameBytes,
    perMessageDeflate: { zlibDeflateOptions: { level: 1, memLevel: 8 }, threshold: 1024 },
  });
  const sessions = new Map<string, AgentSession>();
  // Malformed sessions are logged one line per reason per interval (a flood stays readable).
  const logs = new LogLimiter(ctx.log, 10_000, ctx.now);
  const caps = new FieldCaps(counters.truncated, deps.maxLineBytes);
  const sessionDeps = { ctx, agents: deps.agents, pipeline, counters, logs, caps, maxFrameBytes: deps.maxFrameBytes };
  let closing = false;

  const attach = (ws: WebSocket, agent: string, tokenId: string) => {
    const session = new AgentSession(ws, agent, tokenId, sessionDeps);
    const previous = sessions.get(agent);
    sessions.set(agent, session);
    if (previous) previous.refuse('replaced', 'a newer connection of this agent took over');
    const unwatch = deps.watch.watch(tokenId, () => session.refuse('token_revoked', 'the agent token was revoked'));
    ws.on('message', (data, isBinary) => {
      try {
        session.handle(data as Buffer, isBinary);
      } catch (err) {
        ctx.log.error('ingest frame failed', { agent, error: (err as Error).message });
        session.refuse('internal_error', 'the frame could not be processed', 1011);
      }
      if (pipeline.backlog >= MAX_BACKLOG && !paused.has(ws)) { paused.add(ws); ws.pause(); counters.paused.inc(); }
    });
    ws.on('error', (err: Error & { code?: string }) => {
      const reason = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame_too_large' : 'protocol_error';
      if (!session.closed) { session.closed = true; counters.rejects.inc({ reason }); }
      logs.warn(`socket:${reason}`, 'agent socket error', { agent, reason, error: err.message });
    });
    ws.on('close', () => {
      session.closed = true;
      paused.delete(ws);
      unwatch();
      if (sessions.get(agent) === session) {
        sessions.delete(agent);
        deps.agents.disconnected(agent, ctx.now()).catch(() => undefined); // the writer closing
      }
    });
  };

  return {
    handleUpgrade(req, socket, head) {
      if (closing) return refuseUpgrade(socket, 503, 'collector shutting down');
      socket.on('error', () => socket.destroy());
      deps.auth.agent(req).then((r) => {
        if (!r.ok) {
          counters.rejects.inc({ reason: r.retryAfterS !== undefined ? 'throttled' : 'unauthorized' });
          return refuseUpgrade(socket, r.status, r.error, r.retryAfterS);
        }
        if (closing || socket.destroyed) return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => attach(ws, r.identity.name, r.identity.id));
      }, (err: Error) => {
        ctx.log.error('agent authentication failed', { error: err.message });
        refuseUpgrade(socket, 503, 'authentication unavailable');
      });
    },
    connections: () => sessions.size,
    async close() {
      closing = true;
      const open = [...wss.clients];
      for (const ws of open) ws.close(1001, 'collector shutting down');
      await Promise.race([
        Promise.all(open.map((ws) => new Promise<void>((r) => (ws.readyState === ws.CLOSED ? r() : ws.once('close', () => r()))))),
        new Promise<void>((r) => setTimeout(r, 1000).unref()),
      ]);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await pipeline.close(); // batches with the writer commit (their agents were not acked); the rest never started
      await checkpoints?.close();
      logs.close();
    },
  };
}
