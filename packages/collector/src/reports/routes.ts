/**
 * GET /api/reports/daily?date=YYYY-MM-DD&format=json|md: a stored report as written at
 * the deadline, else one generated now (stored when its period has ended; a report for
 * today before the deadline is partial and not stored). Markdown comes as text/markdown.
 */
import type { FastifyInstance } from 'fastify';
import { requireRole, type Authenticate } from '../api/require-role.js';
import { BadParameter } from '../api/errors.js';
import { dateParam, enumParam } from '../api/params.js';
import { utcDate } from '../compliance/duration.js';
import { getReport, type ReportEnv } from './daily.js';

export function registerReportRoutes(app: FastifyInstance, env: ReportEnv, auth: Authenticate): void {
  app.get('/api/reports/daily', {
    schema: {
      summary: 'The daily security report (JSON or Markdown)', tags: ['reports'],
      querystring: { type: 'object', properties: { date: { type: 'string', format: 'date' }, format: { type: 'string', enum: ['json', 'md'] } } },
    },
    attachValidation: true,
    preHandler: requireRole(auth, 'viewer'),
  }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const today = utcDate(env.now());
    const date = dateParam(q, 'date', today);
    const format = enumParam(q, 'format', ['json', 'md'] as const, 'json');
    if (date > today) throw new BadParameter('date', `${date} is in the future`);
    const text = await getReport(env, date, format);
    return reply.type(format === 'md' ? 'text/markdown; charset=utf-8' : 'application/json; charset=utf-8').send(text);
  });
}
