/**
 * Test harness for the alerts, feed and outputs modules: a real collector core (SQLite
 * file in a temp dir, tokens, the fastify app with its auth hook) with only these three
 * modules started, optionally listening on 127.0.0.1:0 with WebSocket upgrades routed
 * as server.ts does. Real admin and viewer API tokens; stop() removes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createLogger } from '@vigil/proto';
import { Bus, type CollectorContext } from '../src/context.js';
import { openDatabase } from '../src/store/db.js';
import { LocalWriteQueue } from '../src/store/writer/queue.js';
import { createCore } from '../src/core.js';
import { build } from '../src/api/app.js';
import { validateConfig } from '../src/config/load.js';
import type { ServerHooks, UpgradeHandler } from '../src/module-contract.js';
import { startModules } from '../src/module-runner.js';
import alertsModule from '../src/alerts/module.js';
import feedModule from '../src/feed/module.js';
import outputsModule from '../src/outputs/module.js';
import { ALERTS } from '../src/alerts/key.js';
import type { AlertUpdate } from '../src/alerts/types.js';

export interface HarnessOptions { config?: Record<string, unknown>; listen?: boolean; now?: () => number }

export async function startHarness(o: HarnessOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  const file = join(dir, 'vigil.db');
  const db = openDatabase(file);
  const ctx: CollectorContext = { db, dataDir: dir, config: validateConfig(o.config ?? {}), bus: new Bus(), now: o.now ?? Date.now, log: createLogger('silent'), writer: new LocalWriteQueue(db) };
  const core = createCore(ctx, { file });
  const app = build(ctx, core);
  const upgrades = new Map<string, UpgradeHandler>();
  const hooks: Omit<ServerHooks, 'services'> = {
    app, onUpgrade: (p, h) => { upgrades.set(p, h); },
    authenticate: (req, role) => core.auth.api(req, role),
    watchToken: (id, cb) => core.watch.watch(id, cb),
    metrics: core.metrics,
  };
  const modules = await startModules([alertsModule, feedModule, outputsModule], ctx, hooks);
  let base = '';
  if (o.listen) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      core.auth.tag(req);
      const h = upgrades.get((req.url ?? '/').split('?')[0]);
      if (h) h(req, socket, head); else socket.destroy();
    });
  } else {
    await app.ready();
  }
  const admin = await core.tokens.create('api', 'alice', 'admin');
  const viewer = await core.tokens.create('api', 'victor', 'viewer');
  return {
    ctx, core, app, base, admin, viewer, dir, hooks, modules,
    svc: modules.services.find(ALERTS)!,
    async stop() {
      await modules.stop();
      await app.close();
      await core.close();
      await ctx.writer.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** An engine update for the ssh-brute-force rule from one source address. */
export function bruteForce(ip: string, over: Partial<AlertUpdate> = {}): AlertUpdate {
  return {
    id: `ssh-brute-force|${ip}`,
    key: `ssh-brute-force|source.ip=${ip}`,
    rule: { id: 'ssh-brute-force', name: 'SSH brute force', severity: 'P1', technique: ['T1110.001'] },
    group: { 'source.ip': ip },
    count: 5,
    first_seen: '2026-11-27T10:00:00.000Z',
    last_seen: '2026-11-27T10:00:30.000Z',
    evidence: [1, 2, 3, 4, 5],
    agent: 'web1',
    status: 'open',
    change: 'opened',
    ...over,
  };
}
