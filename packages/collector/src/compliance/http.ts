/**
 * HTTP plumbing shared by the compliance and report routes: the core's bearer-token
 * check (ServerHooks.authenticate) as a preHandler (viewer for reads, admin for actions), the JSON error shape
 * `{"error", "parameter"}`, and the date parameter of reports (other values: api/params.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthResult } from '../api/auth.js';
import { BadParameter } from '../api/errors.js';
import { one, type Query } from '../api/params.js';

/** The core's API token check (ServerHooks.authenticate). */
export type Authenticate = (req: IncomingMessage, role: 'viewer' | 'admin') => Promise<AuthResult>;

export function requireRole(auth: Authenticate, role: 'viewer' | 'admin') {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const out = await auth(req.raw, role);
    if (!out.ok) await reply.code(out.status).type('application/json').send({ error: out.error });
  };
}

export function sendBad(reply: FastifyReply, e: BadParameter): FastifyReply {
  return reply.code(400).type('application/json').send({ error: e.message, parameter: e.parameter });
}

export function dateParam(q: Query, name: string, dflt: string): string {
  const v = one(q, name);
  if (v === undefined) return dflt;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new BadParameter(name, `expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Runs a handler, turning BadParameter into a 400 naming the parameter. */
export function guarded<R>(fn: (req: FastifyRequest, reply: FastifyReply) => R) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try { return await fn(req, reply); } catch (e) {
      if (e instanceof BadParameter) return sendBad(reply, e);
      throw e;
    }
  };
}
