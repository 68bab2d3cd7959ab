/**
 * The collector's feature modules, started in order after the store and before the
 * server listens: each registers its routes on the fastify app, its WebSocket upgrade
 * paths, its bus listeners and its timers, and stops them on shutdown. Adding a
 * feature is one entry in MODULES; nothing else in the startup path changes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { CollectorContext } from './context.js';
import type { AuthResult } from './api/auth.js';
import type { Role } from './store/tokens.js';
import type { MetricsRegistry } from './metrics/registry.js';
import type { BodyHandlers } from './ingest/handlers.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ServerHooks {
  app: FastifyInstance;
  /** Claims WebSocket upgrades for one exact path (e.g. '/api/feed'). */
  onUpgrade(path: string, handler: UpgradeHandler): void;
  /** Checks an upgrade request's API token (viewer: any api token; admin: admin only). */
  authenticate(req: IncomingMessage, role: Role): Promise<AuthResult>;
  /** Calls onRevoked once when token `id` is revoked (by any process); returns unsubscribe. */
  watchToken(id: string, onRevoked: () => void): () => void;
  /** Where modules register Prometheus gauges (and counters) for GET /metrics. */
  metrics: MetricsRegistry;
  /** This collector's wire-body handlers (ingest/handlers.ts): modules register the bodies they store. */
  bodies: BodyHandlers;
}

/** Stops what one start() started: per-instance state lives in its closure, not the module. */
export type ModuleStop = () => void | Promise<void>;

export interface CollectorModule {
  name: string;
  /** May return the stop of this instance (preferred over stop(): two collectors in one process stay apart). */
  start(ctx: CollectorContext, server: ServerHooks): void | ModuleStop | Promise<void | ModuleStop>;
  stop?(): void | Promise<void>;
}

/** Loaded lazily, in this order. Each module file default-exports a CollectorModule. */
export const MODULES: Array<() => Promise<{ default: CollectorModule }>> = [
  // e.g. () => import('./rules/module.js'),
  () => import('./telemetry/module.js'),
  // alerts first: feed and outputs (and the rules engine, via alerts/registry.ts) use it
  () => import('./alerts/module.js'),
  () => import('./feed/module.js'),
  () => import('./outputs/module.js'),
  // rules after alerts: the engine applies its alert changes through alerts/registry.ts
  () => import('./rules/module.js'),
  // compliance after alerts: it raises check state changes through the alerts service
  () => import('./compliance/module.js'),
];
