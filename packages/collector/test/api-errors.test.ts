/**
 * The API's one error type and answer, and its one role model, through the real fastify
 * app (core routes, the alerts module's routes, and routes throwing HttpErrors as modules
 * do): 400 naming the parameter, 401, 403, 404, 409 and 500 without internals, every body
 * `{"error"}` or `{"error", "parameter"}` as JSON; one requireRole for every route.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '@vigil/proto';
import { Bus, type CollectorContext } from '../src/context.js';
import { openDatabase, type DB } from '../src/store/db.js';
import { createCore, type CoreServices } from '../src/core.js';
import { build } from '../src/api/app.js';
import { validateConfig } from '../src/config/load.js';
import alertsModule from '../src/alerts/module.js';
import { startModules } from '../src/module-runner.js';
import { LocalWriteQueue } from '../src/store/writer/queue.js';
import { BadParameter, conflict, notFound } from '../src/api/errors.js';
import { principalOf, requireRole } from '../src/api/require-role.js';
import { allows, ROLES } from '../src/api/roles.js';

let dir: string;
let db: DB;
let core: CoreServices;
let app: FastifyInstance;
let admin: string;
let viewer: string;
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-api-errors-'));
  const file = join(dir, 'vigil.db');
  db = openDatabase(file);
  const silent = createLogger('silent');
  const log = { ...silent, error: (msg: string, f?: Record<string, unknown>) => { logged.push({ msg, ...f }); } } as unknown as Logger;
  const ctx: CollectorContext = { db, dataDir: dir, config: validateConfig({}), bus: new Bus(), now: Date.now, log, writer: new LocalWriteQueue(db) };
  core = createCore(ctx, { file });
  app = build(ctx, core);
  const authenticate = (req: Parameters<typeof core.auth.api>[0], role: 'viewer' | 'admin') => core.auth.api(req, role);
  await startModules([alertsModule], ctx, { app, onUpgrade: () => {}, authenticate, watchToken: (id, cb) => core.watch.watch(id, cb), metrics: core.metrics });
  // Routes as a module writes them: errors thrown, the one role check as preHandler.
  app.get('/api/test/conflict', { preHandler: requireRole(authenticate, 'viewer') }, async () => { throw conflict('silence 7 was already expired'); });
  app.get('/api/test/missing', { preHandler: requireRole(authenticate, 'viewer') }, async () => { throw notFound('no widget 9'); });
  app.get('/api/test/bad', { preHandler: requireRole(authenticate, 'viewer') }, async () => { throw new BadParameter('colour', 'expected red or blue'); });
  app.get('/api/test/crash', { preHandler: requireRole(authenticate, 'viewer') }, async () => { throw new Error('SQLITE_CORRUPT: /var/lib/vigil/secret.db page 7'); });
  app.get('/api/test/admin-read', { preHandler: requireRole(authenticate, 'admin') }, async (req) => ({ who: principalOf(req) }));
  await app.ready();
  admin = await core.tokens.create('api', 'alice', 'admin');
  viewer = await core.tokens.create('api', 'victor', 'viewer');
});
afterAll(async () => {
  await app?.close();
  core?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (method: 'GET' | 'POST', url: string, token?: string) => {
  const r = await app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.statusCode, type: String(r.headers['content-type']), body: r.json() as Record<string, unknown>, raw: r.body };
};

/** The one body: `error` text, plus `parameter` only for a bad parameter. */
function oneShape(r: Awaited<ReturnType<typeof call>>, parameter?: string): void {
  expect(r.type).toMatch(/^application\/json/);
  expect(typeof r.body.error).toBe('string');
  expect(Object.keys(r.body).sort()).toEqual(parameter === undefined ? ['error'] : ['error', 'parameter']);
  if (parameter !== undefined) {
    expect(r.body.parameter).toBe(parameter);
    expect(r.body.error).toMatch(new RegExp(`^${parameter}: `));
  }
}

describe('one HTTP error answer', () => {
  it.each([
    ['/api/events?limit=abc', 'limit'], ['/api/alerts?severity=P9', 'severity'], ['/api/alerts/abc', 'id'], ['/api/test/bad', 'colour'],
  ])('400 for %s names %s', async (url, parameter) => {
    const r = await call('GET', url, viewer);
    expect(r.status).toBe(400);
    oneShape(r, parameter);
  });
  it('400 names a bad body field of a module route (silences)', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/silences', headers: { authorization: `Bearer ${admin}` }, payload: { matchers: [], reason: 'x', duration: '2 weeks' } });
    expect(r.statusCode).toBe(400);
    expect(Object.keys(r.json()).sort()).toEqual(['error', 'parameter']);
  });
  it.each(['/api/events', '/api/alerts', '/api/test/conflict'])('401 without a token on %s', async (url) => {
    const r = await call('GET', url);
    expect(r.status).toBe(401);
    oneShape(r);
  });
  it('401 for a wrong token', async () => {
    const r = await call('GET', '/api/alerts', 'vgl_not_a_token');
    expect(r.status).toBe(401);
    oneShape(r);
  });
  it('403 for a viewer on an admin action (core hook) and on an admin-only read (requireRole)', async () => {
    for (const [method, url] of [['POST', '/api/alerts/1/ack'], ['GET', '/api/test/admin-read']] as const) {
      const r = await call(method, url, viewer);
      expect(r.status, url).toBe(403);
      oneShape(r);
      expect(r.body.error).toBe('this action needs an admin token');
    }
  });
  it.each([['/api/alerts/999999'], ['/api/test/missing'], ['/api/no/such/route']])('404 for %s', async (url) => {
    const r = await call('GET', url, viewer);
    expect(r.status).toBe(404);
    oneShape(r);
  });
  it('409 for a conflict', async () => {
    const r = await call('GET', '/api/test/conflict', viewer);
    expect(r.status).toBe(409);
    oneShape(r);
    expect(r.body.error).toBe('silence 7 was already expired');
  });
  it('500 without internals, the detail only in the log', async () => {
    const r = await call('GET', '/api/test/crash', viewer);
    expect(r.status).toBe(500);
    oneShape(r);
    expect(r.body.error).toBe('internal error');
    expect(r.raw).not.toMatch(/SQLITE|secret|vigil\.db/);
    expect(logged.some((l) => String(l.error).includes('SQLITE_CORRUPT'))).toBe(true);
  });
});

describe('one role model', () => {
  it('admin may do what a viewer may; a token without a role reads only', () => {
    expect(ROLES).toEqual(['viewer', 'admin']);
    expect(allows('admin', 'admin')).toBe(true);
    expect(allows('admin', 'viewer')).toBe(true);
    expect(allows('viewer', 'viewer')).toBe(true);
    expect(allows('viewer', 'admin')).toBe(false);
    expect(allows(null, 'viewer')).toBe(true);
    expect(allows(null, 'admin')).toBe(false);
  });
  it('requireRole names who acted for the handler', async () => {
    const r = await call('GET', '/api/test/admin-read', admin);
    expect(r.status).toBe(200);
    expect(r.body.who).toMatchObject({ name: 'alice', role: 'admin' });
  });
});
