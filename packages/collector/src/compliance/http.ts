/**
 * HTTP plumbing shared by the compliance and report routes: the core's bearer-token
 * check (ServerHooks.authenticate) as a preHandler (viewer for reads, admin for actions), the JSON error shape
 * `{"error", "parameter"}`, and strict parsing of the query values these routes take.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthResult } from '../api/auth.js';
import { parseRfc3339 } from '../api/rfc3339.js';

/** The core's API token check (ServerHooks.authenticate). */
export type Authenticate = (req: IncomingMessage, role: 'viewer' | 'admin') => Promise<AuthResult>;

export function requireRole(auth: Authenticate, role: 'viewer' | 'admin') {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const out = await auth(req.raw, role);
    if (!out.ok) await reply.code(out.status).type('application/json').send({ error: out.error });
  };
}

export class BadParam extends Error {
  constructor(readonly parameter: string, message: string) { super(`${parameter}: ${message}`); }
}

export function sendBad(reply: FastifyReply, e: BadParam): FastifyReply {
  return reply.code(400).type('application/json').send({ error: e.message, parameter: e.parameter });
}

type Query = Record<string, unknown>;

/** A single string value (repeated parameters are refused). */
function one(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadParam(name, 'give it once, as a single value');
  return v;
}

export function timeParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const ms = parseRfc3339(v);
  if (ms === undefined) throw new BadParam(name, `expected an RFC 3339 time, got ${JSON.stringify(v)}`);
  return ms;
}

export function enumParam<T extends string>(q: Query, name: string, allowed: readonly T[], dflt: T): T {
  const v = one(q, name);
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new BadParam(name, `one of ${allowed.join(', ')}`);
  return v as T;
}

export function intParam(q: Query, name: string, min: number, max: number, dflt: number): number {
  const v = one(q, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new BadParam(name, `an integer from ${min} to ${max}`);
  return Number(v);
}

export function dateParam(q: Query, name: string, dflt: string): string {
  const v = one(q, name);
  if (v === undefined) return dflt;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new BadParam(name, `expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Runs a handler, turning BadParam into a 400 naming the parameter. */
export function guarded<R>(fn: (req: FastifyRequest, reply: FastifyReply) => R) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try { return await fn(req, reply); } catch (e) {
      if (e instanceof BadParam) return sendBad(reply, e);
      throw e;
    }
  };
}
