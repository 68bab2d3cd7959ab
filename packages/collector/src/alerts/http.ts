/**
 * The JSON error shape shared by the alerts, silences and feed routes, the same as the
 * core's: `{"error": "...", "parameter": "<name>"}` for bad input (400), `{"error"}`
 * otherwise. Turns fastify/ajv validation errors into the parameter they name.
 */
import type { FastifyReply } from 'fastify';

export function sendError(reply: FastifyReply, status: number, error: string, parameter?: string): FastifyReply {
  return reply.code(status).type('application/json').send(parameter === undefined ? { error } : { error, parameter });
}

interface AjvIssue { instancePath?: string; message?: string; params?: Record<string, unknown> }

/** The parameter an attached validation error is about, and a readable message. */
export function describeValidation(err: { validation?: AjvIssue[]; message: string }): { parameter: string; error: string } {
  const issue = err.validation?.[0];
  const missing = issue?.params?.missingProperty;
  const path = typeof missing === 'string' ? missing : (issue?.instancePath ?? '').replace(/^\//, '').split('/')[0];
  const parameter = path.replace(/~1/g, '/').replace(/~0/g, '~') || 'query';
  return { parameter, error: `${parameter}: ${issue?.message ?? err.message}` };
}

/** Replies 400 when fastify attached a validation error to the request; true when it did. */
export function rejectInvalid(req: { validationError?: Error & { validation?: AjvIssue[] } }, reply: FastifyReply): boolean {
  if (!req.validationError) return false;
  const { parameter, error } = describeValidation(req.validationError);
  sendError(reply, 400, error, parameter);
  return true;
}
