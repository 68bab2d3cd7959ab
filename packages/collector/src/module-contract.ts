/**
 * The contract between the collector and its feature modules: what a module declares
 * (its name, the services it needs and provides, what it starts after), what start()
 * receives (the context and the server hooks, with this collector's services) and what
 * it returns (its disposer). Types only, plus the service-key constructor; imports no
 * module, so feature modules and the module list never import each other through it.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { CollectorContext } from './context.js';
import type { AuthResult } from './api/auth.js';
import type { Role } from './api/roles.js';
import type { BodyHandlers } from './ingest/handlers.js';
import type { MetricsRegistry } from './metrics/registry.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Names a service one module provides and others need; T is the value's type. */
export interface ServiceKey<T> {
  readonly name: string;
  /** Never set: carries T for get()/provide(). */
  readonly type?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

/** One collector's services as one module sees them: only what it declared. */
export interface ModuleServices {
  /** The value of a service this module `needs`; throws when undeclared or not provided. */
  get<T>(key: ServiceKey<T>): T;
  /** Makes a service this module `provides` available to the modules started after it. */
  provide<T>(key: ServiceKey<T>, value: T): void;
}

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
  /** This collector's module services (per instance: two collectors in one process stay apart). */
  services: ModuleServices;
}

/** Stops what one start() started (timers, listeners, sockets); may be async. */
export type ModuleDisposer = () => void | Promise<void>;

export interface CollectorModule {
  name: string;
  /** Services that must be provided before this module starts (a missing one is an error). */
  needs?: readonly string[];
  /** Services this module provides in start() (through hooks.services.provide). */
  provides?: readonly string[];
  /** Modules this one starts after when they are started too (ordering only, not a need). */
  after?: readonly string[];
  /** Starts this instance; all its state lives in the closure the returned disposer ends. */
  start(ctx: CollectorContext, hooks: ServerHooks): ModuleDisposer | Promise<ModuleDisposer>;
}
