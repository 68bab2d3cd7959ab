/**
 * Starts a collector: opens the database (the write queue, a read-only reader), builds the
 * core services, the API and ingest, starts the feature MODULES (in the order their
 * declarations give, module-order.ts; they migrate their tables), then makes the main
 * connection refuse writes (every write is a command of ctx.writer), routes
 * WebSocket upgrades by path, runs retention periodically and listens (http or https)
 * behind the connection guard (caps per address and in total, header and idle timeouts).
 * stop() refuses new work, closes agent sessions (a batch is acked only once committed),
 * stops modules and closes the database. No lock or pid file: a restart after SIGKILL works.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createLogger, databaseFiles, privateHome, type Logger } from '@vigil/proto';
import { Bus, type CollectorContext } from './context.js';
import { openDatabase, refuseWrites } from './store/db.js';
import { openWriteQueue } from './store/writer/open.js';
import { BodyHandlers } from './ingest/handlers.js';
import { createCore, type CoreServices } from './core.js';
import { build } from './api/app.js';
import { refuseUpgrade } from './api/auth.js';
import { createIngest } from './ingest/server.js';
import { loadModules } from './modules.js';
import type { UpgradeHandler } from './module-contract.js';
import { startModules, type RunningModules } from './module-runner.js';
import type { CollectorConfig } from './config/load.js';
import type { ThrottleOptions } from './api/throttle.js';
import { ConnectionGuard, effectiveLimits } from './connections/guard.js';
import { readFdLimit } from './connections/fd-limit.js';

export interface StartOptions {
  host: string;
  port: number;
  dataDir: string;
  config: CollectorConfig;
  log?: Logger;
  now?: () => number;
  throttle?: ThrottleOptions;
}

export interface RunningCollector {
  url: string;
  port: number;
  ctx: CollectorContext;
  core: CoreServices;
  /** The started feature modules and the services they provide (this instance's only). */
  modules: RunningModules;
  stop(): Promise<void>;
}

export { DB_FILE } from './store/schema.js';
import { DB_FILE } from './store/schema.js';

export async function startCollector(o: StartOptions): Promise<RunningCollector> {
  const log = o.log ?? createLogger();
  const file = join(o.dataDir, DB_FILE);
  privateHome(o.dataDir, [...databaseFiles(DB_FILE), 'reports'], log);   // 0700/0600 whatever the umask
  const db = openDatabase(file, { log });
  const now = o.now ?? Date.now;
  const writer = openWriteQueue(db, {
    now, onRestart: (reason) => log.error('store writer thread restarted; its commands in flight were refused (batches are resent)', { reason }),
  });
  const ctx: CollectorContext = { db, writer, dataDir: o.dataDir, config: o.config, bus: new Bus(), now, log };
  const bodies = new BodyHandlers();
  const core = createCore(ctx, { file, throttle: o.throttle });
  const { cert, key } = o.config.tls;
  const https = cert && key ? { cert: readFileSync(cert), key: readFileSync(key) } : undefined;
  const app = build(ctx, core, { https });
  const ingest = createIngest(ctx, { auth: core.auth, watch: core.watch, events: core.events, agents: core.agents, metrics: core.metrics, maxFrameBytes: o.config.ingest.max_frame_bytes, maxLineBytes: o.config.ingest.max_line_bytes, bodies });
  core.metrics.gauge('vigil_ingest_connections', 'Open agent sessions.', () => ingest.connections());

  const fd = readFdLimit();
  const guard = new ConnectionGuard(effectiveLimits(o.config.connections, fd), o.config.connections.exempt, { metrics: core.metrics, log, now: ctx.now });
  guard.attach(app.server);
  const l = guard.limits;
  log.info('connection limits', {
    open_files: fd?.soft, open_files_hard: fd?.hard, max_total: l.maxTotal, max_per_address: l.maxPerAddress,
    max_pending: l.maxPending, max_pending_per_address: l.maxPendingPerAddress, max_websockets: l.maxWebsockets, max_http: l.maxHttp, ipv4_prefix: l.ipv4Prefix,
  });
  if (l.maxTotal < o.config.connections.max_total) log.warn('connections.max_total lowered to fit the open-files limit', { configured: o.config.connections.max_total, used: l.maxTotal, open_files: fd?.soft });

  const upgrades = new Map<string, UpgradeHandler>([['/ingest', ingest.handleUpgrade]]);
  let modules: RunningModules | undefined;

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    core.auth.tag(req);
    if (!guard.upgrade(req.socket)) return refuseUpgrade(socket, 503, 'too many open connections');
    const path = (req.url ?? '/').split('?')[0];
    const handler = upgrades.get(path);
    if (!handler) return refuseUpgrade(socket, 404, `no WebSocket endpoint at ${path}`);
    handler(req, socket, head);
  });

  let retentionBusy = false;
  const runRetention = () => {
    if (retentionBusy) return;
    retentionBusy = true;
    core.retention.run(ctx.now()).then((r) => {
      if (r.deletedByAge + r.deletedBySize > 0) log.info('retention', { ...r });
    }, (err: Error) => log.error('retention failed', { error: err.message })).finally(() => { retentionBusy = false; });
  };
  const retentionTimer = setInterval(runRetention, o.config.retention.interval);
  runRetention();

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    clearInterval(retentionTimer);
    guard.close();
    if (app.server.listening) app.server.close(); // no new connections
    await ingest.close();           // sessions closed; nothing uncommitted was acked
    await modules?.stop();
    await app.close();
    while (retentionBusy) await new Promise((r) => setTimeout(r, 10));
    await core.close();
    await writer.close();           // every command sent commits (or fails) first
    db.close();
    log.info('collector stopped');
  })());
  try {
    modules = await startModules(await loadModules(), ctx, {
      app,
      onUpgrade: (path, handler) => { upgrades.set(path, handler); },
      authenticate: (req, role) => core.auth.api(req, role),
      watchToken: (id, onRevoked) => core.watch.watch(id, onRevoked),
      metrics: core.metrics,
      bodies,
    });
    refuseWrites(db);               // every module has migrated: from here on, every write goes through ctx.writer
    await core.ready;               // agents of a previous run are marked disconnected before any hello
    await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    await stop();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `${https ? 'https' : 'http'}://${shownHost}:${port}`;
  log.info('collector listening', { url, ingest: `${https ? 'wss' : 'ws'}://${shownHost}:${port}/ingest`, data: o.dataDir });

  return { url, port, ctx, core, modules, stop };
}
