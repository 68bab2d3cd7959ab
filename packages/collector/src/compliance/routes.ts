/**
 * Compliance routes: GET /api/compliance (the latest result of every check), POST
 * /api/compliance/evaluate (admin: evaluate now, answer the same shape), and GET
 * /api/compliance/:id/history?since=&format=json|csv&limit= (newest first).
 */
import type { FastifyInstance } from 'fastify';
import { requireRole, type Authenticate } from '../api/require-role.js';
import { notFound } from '../api/errors.js';
import { enumParam, intParam, timeParam } from '../api/params.js';
import { history, historyCsv } from './history.js';
import type { CheckDef, CheckResult } from './types.js';

export interface ComplianceApi {
  checks(): CheckDef[];
  latest(): CheckResult[];
  evaluateNow(): Promise<CheckResult[]>;
  db: import('../store/db.js').DB;
}

const querySchema = (props: Record<string, unknown>) => ({ type: 'object', properties: props });

export function registerComplianceRoutes(app: FastifyInstance, api: ComplianceApi, auth: Authenticate): void {
  app.get('/api/compliance', {
    schema: { summary: 'Latest result of every compliance check', tags: ['compliance'] },
    preHandler: requireRole(auth, 'viewer'),
  }, async () => ({ checks: api.latest() }));

  app.post('/api/compliance/evaluate', {
    schema: { summary: 'Evaluate every compliance check now (admin)', tags: ['compliance'] },
    preHandler: requireRole(auth, 'admin'),
  }, async () => ({ checks: await api.evaluateNow() }));

  app.get('/api/compliance/:id/history', {
    schema: {
      summary: 'Every stored evaluation of one check, newest first (JSON or CSV)', tags: ['compliance'],
      params: { type: 'object', properties: { id: { type: 'string' } } },
      querystring: querySchema({ since: { type: 'string', format: 'date-time' }, format: { type: 'string', enum: ['json', 'csv'] }, limit: { type: 'string' } }),
    },
    attachValidation: true,
    preHandler: requireRole(auth, 'viewer'),
  }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const since = timeParam(q, 'since');
    const format = enumParam(q, 'format', ['json', 'csv'] as const, 'json');
    const limit = intParam(q, 'limit', 1, 100_000) ?? 10_000;
    const id = (req.params as { id: string }).id;
    const check = api.checks().find((c) => c.id === id);
    if (!check) throw notFound(`no compliance check ${id}`);
    const rows = history(api.db, check, since, limit);
    if (format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${check.id}-history.csv"`).send(historyCsv(rows));
    }
    return { id: check.id, title: check.title, history: rows };
  });
}
