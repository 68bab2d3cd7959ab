/**
 * The API's one error type and one error answer, for the core and every module's routes:
 * HttpError (400 BadParameter naming the parameter, 401, 403, 404, 409, 429, 503) becomes
 * `{"error", "parameter"?}` with its status (and Retry-After when it has one); schema
 * validation failures are 400 naming the parameter; anything unexpected is logged and
 * answered 500 `{"error": "internal error"}` without details.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '@vigil/proto';

export type HttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

export class HttpError extends Error {
  constructor(readonly statusCode: HttpStatus, message: string, readonly parameter?: string, readonly retryAfterS?: number) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 400: a bad value of one parameter (query, path or body field); the message starts with its name. */
export class BadParameter extends HttpError {
  constructor(parameter: string, message: string) { super(400, `${parameter}: ${message}`, parameter); }
}

export const notFound = (message: string): HttpError => new HttpError(404, message);
export const conflict = (message: string): HttpError => new HttpError(409, message);

/** Writes the one error body: `{"error"}`, plus `parameter` for a bad parameter. */
export function sendError(reply: FastifyReply, status: number, error: string, parameter?: string, retryAfterS?: number): FastifyReply {
  if (retryAfterS !== undefined) reply.header('retry-after', String(retryAfterS));
  return reply.code(status).type('application/json').send(parameter === undefined ? { error } : { error, parameter });
}

/** Answers an HttpError as its status and body. */
export const sendHttpError = (reply: FastifyReply, e: HttpError): FastifyReply => sendError(reply, e.statusCode, e.message, e.parameter, e.retryAfterS);

interface AjvIssue { instancePath?: string; params?: Record<string, unknown>; message?: string }

/** The parameter a schema validation failure is about, and its message `<parameter>: <what>`. */
export function describeValidation(issues: readonly AjvIssue[] | undefined, fallback = 'invalid'): { parameter: string; error: string } {
  const v = issues?.[0] ?? {};
  const p = v.params ?? {};
  let parameter: string;
  if (typeof p.missingProperty === 'string') parameter = p.missingProperty;
  else if (typeof p.additionalProperty === 'string') parameter = p.additionalProperty;
  else parameter = (v.instancePath ?? '').replace(/^\//, '').split('/')[0].replace(/~1/g, '/').replace(/~0/g, '~') || '(query)';
  const what = typeof p.additionalProperty === 'string' ? 'unknown parameter' : v.message ?? fallback;
  return { parameter, error: `${parameter}: ${what}` };
}

/**
 * For routes with `attachValidation: true` (so their role check answers 403 before a bad
 * parameter's 400): replies 400 when fastify attached a validation error; true when it did.
 */
export function rejectInvalid(req: { validationError?: Error & { validation?: AjvIssue[] } }, reply: FastifyReply): boolean {
  if (!req.validationError) return false;
  const { parameter, error } = describeValidation(req.validationError.validation, req.validationError.message);
  sendError(reply, 400, error, parameter);
  return true;
}

export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation && err.validation.length > 0) {
      const { parameter, error } = describeValidation(err.validation as AjvIssue[]);
      return sendError(reply, 400, error, parameter);
    }
    if (err instanceof HttpError) return sendHttpError(reply, err);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendError(reply, status, err.message);
    log.error('request failed', { url: req.url, error: err.message });
    return sendError(reply, 500, 'internal error');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no route ${req.method} ${req.url.split('?')[0]}`));
}
