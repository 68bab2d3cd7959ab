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

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ServerHooks {
  app: FastifyInstance;
  /** Claims WebSocket upgrades for one exact path (e.g. '/api/feed'). */
  onUpgrade(path: string, handler: UpgradeHandler): void;
}

export interface CollectorModule {
  name: string;
  start(ctx: CollectorContext, server: ServerHooks): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** Loaded lazily, in this order. Each module file default-exports a CollectorModule. */
export const MODULES: Array<() => Promise<{ default: CollectorModule }>> = [
  // e.g. () => import('./rules/module.js'),
];
