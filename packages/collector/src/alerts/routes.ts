/**
 * The alerts API: GET /api/alerts (filters, newest first, keyset cursor), GET
 * /api/alerts/:id (with its status history), POST /api/alerts/:id/ack and /resolve
 * (admin; answer the updated alert; idempotent; 404 for an unknown id). Query values are
 * checked by schema; a bad one gets 400 naming the parameter.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DB } from '../store/db.js';
import type { AlertService } from './service.js';
import { principalOf, requireRole, type Authenticate } from '../api/require-role.js';
import { listAlerts } from './query.js';
import { decodeCursor } from '../api/cursor.js';
import { BadParameter, rejectInvalid, sendError } from '../api/errors.js';
import { timeParam } from '../api/params.js';

const SEV = 'P[1-4]';
const STATUS = '(?:open|acknowledged|resolved)';

export const alertsQuerySchema = {
  type: 'object',
  properties: {
    severity: { type: 'string', pattern: `^${SEV}(,${SEV})*$` },
    'rule.id': { type: 'string', minLength: 1, maxLength: 200 },
    status: { type: 'string', pattern: `^${STATUS}(,${STATUS})*$` },
    agent: { type: 'string', minLength: 1, maxLength: 256 },
    since: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } },
  required: ['id'],
} as const;

interface AlertsQuery { severity?: string; 'rule.id'?: string; status?: string; agent?: string; since?: string; limit: number; cursor?: string }

export function registerAlertRoutes(app: FastifyInstance, db: DB, svc: AlertService, auth: Authenticate, maxResponseBytes?: number): void {
  const viewer = requireRole(auth, 'viewer');
  const admin = requireRole(auth, 'admin');

  app.get('/api/alerts', { schema: { querystring: alertsQuerySchema }, attachValidation: true, preHandler: viewer }, async (req, reply) => {
    if (rejectInvalid(req, reply)) return reply;
    const q = req.query as AlertsQuery;
    let beforeId: number | undefined, sinceMs: number | undefined;
    try {
      beforeId = decodeCursor(q.cursor)?.id;
      sinceMs = timeParam(req.query as Record<string, unknown>, 'since');
    } catch (e) {
      if (e instanceof BadParameter) return sendError(reply, 400, e.message, e.parameter);
      throw e;
    }
    return listAlerts(db, {
      severity: q.severity?.split(','), status: q.status?.split(','), ruleId: q['rule.id'], agent: q.agent,
      sinceMs, limit: q.limit, beforeId, maxBytes: maxResponseBytes,
    });
  });

  app.get('/api/alerts/:id', { schema: { params: idParams }, attachValidation: true, preHandler: viewer }, async (req, reply) => {
    if (rejectInvalid(req, reply)) return reply;
    const id = Number((req.params as { id: string }).id);
    const alert = svc.store.get(id);
    if (!alert) return sendError(reply, 404, `alert ${id} not found`);
    return { ...alert, history: svc.store.history(id) };
  });

  const action = (to: 'ack' | 'resolve') => async (req: FastifyRequest, reply: FastifyReply) => {
    if (rejectInvalid(req, reply)) return reply;
    const id = Number((req.params as { id: string }).id);
    const who = principalOf(req).name;
    const alert = await (to === 'ack' ? svc.acknowledge(id, who) : svc.resolve(id, who));
    if (!alert) return sendError(reply, 404, `alert ${id} not found`);
    return alert;
  };
  const opts = { schema: { params: idParams }, attachValidation: true, preHandler: admin };
  app.post('/api/alerts/:id/ack', opts, action('ack'));
  app.post('/api/alerts/:id/resolve', opts, action('resolve'));
}
