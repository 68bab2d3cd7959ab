/**
 * The collector's core services over one database file: the event store, the agent
 * registry, tokens and their revocation watch, the authenticator with its failure
 * throttle, the metrics registry and retention, over the context's write queue (opened
 * here when the caller gave none). Built once at start (and by tests); ingest, the API and
 * the modules receive them from here, never open the db themselves.
 */
import type { CollectorContext } from './context.js';
import type { CollectorConfig } from './config/load.js';
import type { DB } from './store/db.js';
import { migrateCore } from './store/schema.js';
import { openDatabase } from './store/db.js';
import { createEventStore, type EventStore } from './store/events.js';
import { createAgentRegistry, type AgentRegistry } from './store/agents.js';
import { createTokenStore, type TokenStore } from './store/tokens.js';
import { TokenWatch } from './store/token-watch.js';
import { createRetention, usedBytes } from './store/retention.js';
import { openWriteQueue } from './store/writer/open.js';
import { Authenticator } from './api/auth.js';
import { FailureThrottle, type ThrottleOptions } from './api/throttle.js';
import { MetricsRegistry } from './metrics/registry.js';

export interface CoreServices {
  config: CollectorConfig;
  reader: DB;
  events: EventStore;
  agents: AgentRegistry;
  tokens: TokenStore;
  watch: TokenWatch;
  auth: Authenticator;
  metrics: MetricsRegistry;
  retention: ReturnType<typeof createRetention>;
  /** Settles once the start-up writes (every agent marked disconnected) are stored. */
  ready: Promise<void>;
  /** Stops what the core started (and the write queue, when it opened it: every command sent finishes first). */
  close(): Promise<void>;
}

export interface CoreOptions {
  /** The database file behind ctx.db: reads then use a separate read-only connection. */
  file?: string;
  throttle?: ThrottleOptions;
}

export function createCore(ctx: CollectorContext, opts: CoreOptions = {}): CoreServices {
  const config = ctx.config as CollectorConfig;
  migrateCore(ctx.db);
  const ownWriter = !ctx.writer;
  const writer = (ctx.writer ??= openWriteQueue(ctx.db, { now: ctx.now }));
  const reader = opts.file ? openDatabase(opts.file, { readonly: true }) : ctx.db;
  const events = createEventStore(ctx.db, reader);
  const agents = createAgentRegistry(writer, reader, config.ingest.heartbeat_timeout);
  const ready = agents.resetConnections().catch((err: Error) => ctx.log.error('agents not marked disconnected', { error: err.message }));
  const tokens = createTokenStore(writer, reader, { now: ctx.now, log: ctx.log });
  const watch = new TokenWatch(tokens);
  const throttle = new FailureThrottle(opts.throttle, ctx.now);
  const auth = new Authenticator(tokens, throttle, ctx.now);
  const metrics = new MetricsRegistry();
  metrics.counterFrom('vigil_auth_throttled_total', 'Auth attempts refused at once (401 with Retry-After, token unchecked): too many refusals of their address were already waiting.', () => throttle.capped);
  const retention = createRetention(writer, reader, { maxAgeMs: config.retention.max_age, maxBytes: config.retention.max_bytes });
  metrics.gauge('vigil_agents_online', 'Agents connected and heard from within the heartbeat timeout.', () => agents.onlineCount(ctx.now()));
  metrics.gauge('vigil_ingest_lag_seconds', 'Largest delay from event read time to commit among online agents.', () => agents.maxLagMs(ctx.now()) / 1000);
  metrics.gauge('vigil_db_size_bytes', 'Database pages in use, in bytes.', () => usedBytes(reader));
  return {
    config, reader, events, agents, tokens, watch, auth, metrics, retention, ready,
    async close() {
      watch.stop();
      if (ownWriter) await writer.close();
      if (reader !== ctx.db) reader.close();
    },
  };
}
