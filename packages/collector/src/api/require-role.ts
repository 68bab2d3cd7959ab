/**
 * The one role check of a route: a fastify preHandler requiring a role of the request's
 * api token (ServerHooks.authenticate), answering 401/403/429 in the one error shape (with
 * Retry-After when throttled), and remembering who acted for the handler (principalOf).
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthResult } from './auth.js';
import { sendError } from './errors.js';
import type { Principal, Role } from './roles.js';

/** The core's API token check (ServerHooks.authenticate). */
export type Authenticate = (req: IncomingMessage, role: Role) => Promise<AuthResult>;

export type Authorized = { ok: true; principal: Principal } | Extract<AuthResult, { ok: false }>;

/** Checks `req` for `role`; the principal on success (also for WebSocket upgrades). */
export async function authorize(auth: Authenticate, req: IncomingMessage, role: Role): Promise<Authorized> {
  const r = await auth(req, role);
  if (!r.ok) return r;
  return { ok: true, principal: { name: r.identity.name, role: r.identity.role ?? 'viewer', tokenId: r.identity.id } };
}

/** Answers a refused authentication: its status, `{"error"}`, Retry-After when throttled. */
export const sendAuthFailure = (reply: FastifyReply, r: Extract<AuthResult, { ok: false }>): FastifyReply =>
  sendError(reply, r.status, r.error, undefined, r.retryAfterS);

const principals = new WeakMap<object, Principal>();

/** A fastify preHandler requiring `role`; the principal is then available via principalOf(req). */
export function requireRole(auth: Authenticate, role: Role) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const out = await authorize(auth, req.raw, role);
    if (!out.ok) return void sendAuthFailure(reply, out);
    principals.set(req, out.principal);
  };
}

export function principalOf(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw new Error('route is missing its requireRole preHandler');
  return p;
}
