/**
 * build(ctx, core): the collector's fastify app without listening (tests use inject;
 * server.ts listens). Installs bearer-token auth for /api/* (but /api/health and
 * /api/openapi.json) and /metrics (unless `metrics.open`), JSON errors that name bad
 * parameters, the OpenAPI generator, and the core route groups.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { CollectorContext } from '../context.js';
import type { CoreServices } from '../core.js';
import { installErrorHandler } from './errors.js';
import { sendAuthFailure } from './require-role.js';
import { isRfc3339 } from './rfc3339.js';
import { collectRoutes } from './openapi.js'; // also declares FastifySchema.summary/tags
import healthRoutes from './routes/health.js';
import agentRoutes from './routes/agents.js';
import eventRoutes from './routes/events.js';
import metricsRoutes from './routes/metrics.js';

export interface BuildOptions { https?: { key: Buffer; cert: Buffer } }

const PUBLIC = new Set(['/api/health', '/api/openapi.json']);

export function build(ctx: CollectorContext, core: CoreServices, opts: BuildOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    ...(opts.https ? { https: opts.https } : {}),
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true },
      // One RFC 3339 grammar for schemas and parsing (ajv-formats' date-time differs on leap seconds).
      onCreate: (ajv: { addFormat(name: string, f: (v: string) => boolean): unknown }) => { ajv.addFormat('date-time', isRfc3339); },
    },
    bodyLimit: 1024 * 1024,
  }) as unknown as FastifyInstance;
  const openapi = collectRoutes(app);
  installErrorHandler(app, ctx.log);

  app.addHook('onRequest', async (req, reply) => {
    core.auth.tag(req.raw);
    const route = req.routeOptions.url;
    if (route === undefined) return; // 404: nothing to protect
    const guarded = route === '/metrics' ? !core.config.metrics.open : route.startsWith('/api/') && !PUBLIC.has(route);
    if (!guarded) return;
    const role = req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'admin';
    const r = await core.auth.api(req.raw, role);
    if (!r.ok) return sendAuthFailure(reply, r);
  });
  // `?agent=&type=` from a form or script means "no filter", not "empty string".
  app.addHook('preValidation', async (req) => {
    const q = req.query as Record<string, unknown> | undefined;
    if (q && typeof q === 'object') for (const k of Object.keys(q)) if (q[k] === '') delete q[k];
  });

  app.register(healthRoutes);
  app.register(agentRoutes, { core, ctx });
  app.register(eventRoutes, { core });
  app.register(metricsRoutes, { core });
  app.get('/api/openapi.json', { schema: { summary: 'This OpenAPI document', tags: ['meta'] } }, async () => openapi());
  return app;
}
