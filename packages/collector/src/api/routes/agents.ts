/** GET /api/agents: the agent registry, online/offline by heartbeat timeout. */
import type { FastifyInstance } from 'fastify';
import type {} from '../openapi.js'; // FastifySchema.summary/tags
import type { CollectorContext } from '../../context.js';
import type { CoreServices } from '../../core.js';

export default async function agentRoutes(app: FastifyInstance, opts: { core: CoreServices; ctx: CollectorContext }): Promise<void> {
  app.get('/api/agents', {
    schema: {
      summary: 'Known agents', tags: ['agents'],
      querystring: { type: 'object', additionalProperties: false, properties: {} },
      response: {
        200: {
          type: 'object',
          properties: { agents: { type: 'array', items: { type: 'object', additionalProperties: true, properties: {
            name: { type: 'string' }, status: { type: 'string', enum: ['online', 'offline'] }, last_seen: { type: 'string' },
          } } } },
        },
      },
    },
  }, async () => ({ agents: opts.core.agents.list(opts.ctx.now()) }));
}
