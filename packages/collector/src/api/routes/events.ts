/**
 * GET /api/events and /api/events/count: filtered events of one kind (default log),
 * newest first, keyset-paged by an opaque cursor; counts with the same filters.
 */
import type { FastifyInstance } from 'fastify';
import type {} from '../openapi.js'; // FastifySchema.summary/tags
import type { CoreServices } from '../../core.js';
import type { EventFilter } from '../../store/event-filter.js';
import type { EventKind } from '../../model.js';
import { decodeCursor, encodeCursor, idKey } from '../cursor.js';
import { timeParam } from '../params.js';

const KINDS = ['log', 'metric', 'container', 'probe', 'loss', 'audit'];
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const time = { type: 'string', format: 'date-time', description: 'RFC 3339, on @timestamp' };

const filterProps = {
  agent: { ...text(256), description: 'agent name' },
  type: { ...text(64), description: "the log file's type (auth, syslog, backup, ...)" },
  'source.ip': text(64),
  'user.name': text(512),
  'event.outcome': { type: 'string', enum: ['success', 'failure', 'unknown'] },
  since: { ...time, description: 'inclusive lower bound on @timestamp (RFC 3339)' },
  until: { ...time, description: 'exclusive upper bound on @timestamp (RFC 3339)' },
  q: { ...text(1024), description: 'substring of message (plain text, not a pattern)' },
  kind: { type: 'string', enum: KINDS, default: 'log' },
};

type Query = Record<string, string | number | undefined>;

function toFilter(q: Query): EventFilter {
  const s = (k: string) => q[k] as string | undefined;
  return {
    kind: (s('kind') ?? 'log') as EventKind,
    agent: s('agent'), type: s('type'), sourceIp: s('source.ip'), userName: s('user.name'),
    outcome: s('event.outcome'), q: s('q'),
    since: timeParam(q, 'since'), until: timeParam(q, 'until'),
  };
}

export default async function eventRoutes(app: FastifyInstance, opts: { core: CoreServices }): Promise<void> {
  const { events } = opts.core;
  app.get('/api/events', {
    schema: {
      summary: 'Events, newest first', tags: ['events'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          ...filterProps,
          limit: { type: 'integer', minimum: 1, maximum: 10000, default: 100 },
          cursor: { type: 'string', maxLength: 64, description: 'next_cursor of the previous page' },
        },
      },
      response: {
        200: {
          type: 'object', required: ['events', 'next_cursor'],
          properties: {
            events: { type: 'array', items: { type: 'object', additionalProperties: true } },
            next_cursor: { type: ['string', 'null'] },
          },
        },
      },
    },
  }, async (req) => {
    const q = req.query as Query;
    const page = events.query(toFilter(q), q.limit as number, decodeCursor(q.cursor)?.id, opts.core.config.api.max_response_bytes);
    return { events: page.events.map((e) => ({ id: e.id, ...e.fields })), next_cursor: encodeCursor(idKey(page.nextBeforeId)) };
  });

  app.get('/api/events/count', {
    schema: {
      summary: 'Number of events matching the filters', tags: ['events'],
      querystring: { type: 'object', additionalProperties: false, properties: filterProps },
      response: { 200: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } } },
    },
  }, async (req) => ({ count: events.count(toFilter(req.query as Query)) }));
}
