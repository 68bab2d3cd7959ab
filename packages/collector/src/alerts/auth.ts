/**
 * API authentication as the alerts, silences and feed routes see it: the collector's
 * `authenticate(req, role)` (ServerHooks) adapted to name the acting token, and a
 * fastify preHandler that requires a role and remembers who acted (for alert history
 * and silences). The core's /api/* hook refuses bad tokens first; this adds the name.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerHooks } from '../module-contract.js';
import { sendError } from './http.js';

export type Role = 'viewer' | 'admin';
export interface Principal { name: string; role: Role; tokenId: string }
export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; status: 401 | 403 | 429; error: string };
export type Authenticator = (req: IncomingMessage, role: Role) => Promise<AuthOutcome>;

const principals = new WeakMap<object, Principal>();

export function authenticatorFrom(hooks: Pick<ServerHooks, 'authenticate'>): Authenticator {
  return async (req, role) => {
    const r = await hooks.authenticate(req, role);
    if (!r.ok) return r;
    return { ok: true, principal: { name: r.identity.name, role: r.identity.role ?? 'viewer', tokenId: r.identity.id } };
  };
}

/** A fastify preHandler requiring `role`; the principal is then available via principalOf(req). */
export function requireRole(auth: Authenticator, role: Role) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const out = await auth(req.raw, role);
    if (!out.ok) return void sendError(reply, out.status, out.error);
    principals.set(req, out.principal);
  };
}

export function principalOf(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw new Error('route is missing its requireRole preHandler');
  return p;
}
