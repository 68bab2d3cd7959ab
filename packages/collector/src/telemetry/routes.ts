/**
 * The telemetry API routes: GET /api/hosts, GET /api/containers?agent=,
 * GET /api/containers/:id/events, GET /api/metrics?agent=&name=&since=&until=&step=.
 * Every route needs a viewer API token (checked by the core's app hook, and again here when
 * an `authorize` is given); bad query values get 400 `{"error", "parameter"}` naming it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DB } from '../store/db.js';
import { BadParameter, HttpError, sendHttpError } from '../api/errors.js';
import { sendAuthFailure } from '../api/require-role.js';
import type { AuthResult } from '../api/auth.js';
import { decodeCursor, encodeCursor, idKey } from '../api/cursor.js';
import { intParam, timeParam } from '../api/params.js';
import { nameParam, stepParam } from './params.js';
import { containerEvents, listContainers, listHosts, querySeries } from './queries.js';

export type Authorize = (req: FastifyRequest) => Promise<AuthResult>;
type Query = Record<string, unknown>;

const str = (description: string) => ({ type: 'string', description });
const spec = (summary: string, props: Record<string, { type: string; description: string }>) =>
  ({ summary, tags: ['telemetry'], querystring: { type: 'object', properties: props } });

export function registerTelemetryRoutes(app: FastifyInstance, db: DB, authorize: Authorize | undefined, now: () => number, maxResponseBytes = Infinity): void {
  const preHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!authorize) return;
    const r = await authorize(req);
    if (!r.ok) return sendAuthFailure(reply, r);
  };
  const handle = (fn: (q: Query, params: Record<string, string>) => unknown) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return fn((req.query ?? {}) as Query, (req.params ?? {}) as Record<string, string>);
      } catch (err) {
        if (err instanceof HttpError) return sendHttpError(reply, err);
        throw err;
      }
    };

  app.get('/api/hosts', { preHandler, schema: spec('Hosts with their latest host metrics', {}) },
    handle(() => ({ hosts: listHosts(db) })));

  app.get('/api/containers', { preHandler, schema: spec('Containers with their current state, most recently first seen first; a page ends early at the response budget', {
    agent: str('agent name'), limit: str('1..10000, default 1000'), cursor: str('next_cursor of the previous page'),
  }) }, handle((q) => {
    const page = listContainers(db, nameParam(q, 'agent'), intParam(q, 'limit', 1, 10_000) ?? 1000, maxResponseBytes, decodeCursor(q.cursor)?.id);
    return { containers: page.containers, next_cursor: encodeCursor(idKey(page.next)) };
  }));

  app.get('/api/containers/:id/events',
    { preHandler, schema: spec("A container's lifecycle events, newest first; a page ends early at the response budget", {
      limit: str('1..10000, default 100'), cursor: str('next_cursor of the previous page'),
    }) },
    handle((q, p) => {
      if (!/^[0-9a-f]{4,64}$/.test(p.id ?? '')) throw new BadParameter('id', 'id must be a container id or a prefix of at least 4 hex digits');
      const page = containerEvents(db, p.id, intParam(q, 'limit', 1, 10_000) ?? 100, maxResponseBytes, decodeCursor(q.cursor));
      return { events: page.events, next_cursor: encodeCursor(page.next) };
    }));

  app.get('/api/metrics', {
    preHandler,
    schema: spec('Metric series, points newest first', {
      agent: str('agent name'), name: str('sample name, e.g. cpu.pct'), since: str('RFC 3339'),
      until: str('RFC 3339'), step: str('bucket width, e.g. 60s or 5m'),
    }),
  }, handle((q) => {
    const name = nameParam(q, 'name', true)!;
    const since = timeParam(q, 'since');
    const until = timeParam(q, 'until');
    if (since !== undefined && until !== undefined && since > until) throw new BadParameter('until', 'until must not be before since');
    return { series: querySeries(db, { agent: nameParam(q, 'agent'), name, since, until, stepMs: stepParam(q, 'step'), now: now() }) };
  }));
}
