/** GET /api/health: liveness, without a token. */
import type { FastifyInstance } from 'fastify';
import type {} from '../openapi.js'; // FastifySchema.summary/tags

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/health', {
    schema: {
      summary: 'Liveness', tags: ['meta'],
      response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } },
    },
  }, async () => ({ status: 'ok' }));
}
