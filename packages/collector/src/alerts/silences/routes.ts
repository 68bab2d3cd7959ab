/**
 * The silences API: POST /api/silences (admin) with {matchers, expires_at | duration,
 * reason}; GET /api/silences (who made each, when, until when); DELETE /api/silences/:id
 * and POST /api/silences/:id/expire (admin) end one now. Bad bodies get 400 naming the
 * field; the creator is the API token's name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CollectorContext } from '../../context.js';
import { principalOf, requireRole, type Authenticate } from '../../api/require-role.js';
import { rejectInvalid, sendError } from '../../api/errors.js';
import { parseDuration } from '@vigil/proto';
import { parseRfc3339 } from '../../api/rfc3339.js';
import { MatcherError, parseMatchers } from './match.js';
import type { AlertService } from '../service.js';

const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } }, required: ['id'] } as const;

/** Validated silence request, or a 400 already sent (undefined). */
function parseBody(body: unknown, now: number, reply: FastifyReply) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return void sendError(reply, 400, 'body must be a JSON object', 'body');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!['matchers', 'expires_at', 'duration', 'reason'].includes(k)) return void sendError(reply, 400, `unknown field ${JSON.stringify(k)}`, k);
  }
  let matchers;
  try { matchers = parseMatchers(b.matchers); } catch (e) {
    if (e instanceof MatcherError) return void sendError(reply, 400, e.message, e.parameter);
    throw e;
  }
  if (typeof b.reason !== 'string' || !b.reason.trim() || b.reason.length > 1000) return void sendError(reply, 400, 'reason must be a non-empty string (at most 1000 characters)', 'reason');
  if ((b.expires_at === undefined) === (b.duration === undefined)) return void sendError(reply, 400, 'give exactly one of expires_at or duration', 'expires_at');
  let expiresAt: number;
  if (b.duration !== undefined) {
    const ms = parseDuration(b.duration);
    if (ms === undefined || ms === 0) return void sendError(reply, 400, 'duration must be like 30m, 2h, 1d or seconds', 'duration');
    expiresAt = now + ms;
  } else {
    const t = typeof b.expires_at === 'string' ? parseRfc3339(b.expires_at) : undefined;
    if (t === undefined) return void sendError(reply, 400, 'expires_at must be an RFC 3339 time', 'expires_at');
    if (t <= now) return void sendError(reply, 400, 'expires_at is in the past', 'expires_at');
    expiresAt = t;
  }
  return { matchers, reason: b.reason.trim(), expiresAt };
}

export function registerSilenceRoutes(app: FastifyInstance, ctx: CollectorContext, svc: AlertService, auth: Authenticate): void {
  const viewer = requireRole(auth, 'viewer');
  const admin = requireRole(auth, 'admin');

  app.post('/api/silences', { preHandler: admin }, async (req, reply) => {
    const now = ctx.now();
    const input = parseBody(req.body, now, reply);
    if (!input) return reply;
    const silence = await svc.createSilence({ matchers: input.matchers, reason: input.reason, expiresAt: input.expiresAt, who: principalOf(req).name, now });
    return reply.code(201).send(silence);
  });

  app.get('/api/silences', { preHandler: viewer }, async () => ({ silences: svc.silences.list(ctx.now()) }));

  const expire = async (req: FastifyRequest, reply: FastifyReply) => {
    if (rejectInvalid(req, reply)) return reply;
    const id = Number((req.params as { id: string }).id);
    const s = await svc.expireSilence(id, principalOf(req).name);
    return s ?? sendError(reply, 404, `silence ${id} not found`);
  };
  const opts = { schema: { params: idParams }, attachValidation: true, preHandler: admin };
  app.delete('/api/silences/:id', opts, expire);
  app.post('/api/silences/:id/expire', opts, expire);
}
