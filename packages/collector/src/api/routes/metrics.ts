/** GET /metrics: Prometheus text from the metrics registry (token unless metrics.open). */
import type { FastifyInstance } from 'fastify';
import type {} from '../openapi.js'; // FastifySchema.summary/tags
import type { CoreServices } from '../../core.js';

export default async function metricsRoutes(app: FastifyInstance, opts: { core: CoreServices }): Promise<void> {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['meta'] } }, async (_req, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return opts.core.metrics.render();
  });
}
