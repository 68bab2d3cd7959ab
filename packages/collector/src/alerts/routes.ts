/**
 * The alerts API: GET /api/alerts (filters, newest first, keyset cursor), GET
 * /api/alerts/:id (with its status history), POST /api/alerts/:id/ack and /resolve
 * (admin; answer the updated alert; idempotent; 404 for an unknown id). Query values are
 * checked by schema; a bad one gets 400 naming the parameter.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DB } from '../store/db.js';
import type { AlertService } from './service.js';
import { principalOf, requireRole, type Authenticator } from './auth.js';
import { rejectInvalid, sendError } from './http.js';
import { decodeCursor, listAlerts } from './query.js';
import { parseRfc3339 } from '../api/rfc3339.js';

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

export function registerAlertRoutes(app: FastifyInstance, db: DB, svc: AlertService, auth: Authenticator, maxResponseBytes?: number): void {
  const viewer = requireRole(auth, 'viewer');
  const admin = requireRole(auth, 'admin');

  app.get('/api/alerts', { schema: { querystring: alertsQuerySchema }, attachValidation: true, preHandler: viewer }, async (req, reply) => {
    if (rejectInvalid(req, reply)) return reply;
    const q = req.query as AlertsQuery;
    let beforeId: number | undefined;
    if (q.cursor !== undefined) {
      beforeId = decodeCursor(q.cursor);
      if (beforeId === undefined) return sendError(reply, 400, 'cursor: not a cursor from this API', 'cursor');
    }
    return listAlerts(db, {
      severity: q.severity?.split(','), status: q.status?.split(','), ruleId: q['rule.id'], agent: q.agent,
      sinceMs: q.since === undefined ? undefined : parseRfc3339(q.since), limit: q.limit, beforeId, maxBytes: maxResponseBytes,
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
    const alert = to === 'ack' ? svc.acknowledge(id, who) : svc.resolve(id, who);
    if (!alert) return sendError(reply, 404, `alert ${id} not found`);
    return alert;
  };
  const opts = { schema: { params: idParams }, attachValidation: true, preHandler: admin };
  app.post('/api/alerts/:id/ack', opts, action('ack'));
  app.post('/api/alerts/:id/resolve', opts, action('resolve'));
}
