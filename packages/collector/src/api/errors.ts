/**
 * The API's error answers: validation failures and BadParameter become 400
 * `{"error", "parameter"}` naming the parameter; other client errors keep their status
 * with `{"error"}`; anything unexpected is logged and answered 500 without details.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from '@vigil/proto';

export class BadParameter extends Error {
  readonly statusCode = 400;
  constructor(readonly parameter: string, message: string) { super(`${parameter}: ${message}`); }
}

interface AjvIssue { instancePath?: string; params?: Record<string, unknown>; message?: string }

function parameterOf(v: AjvIssue): string {
  const p = v.params ?? {};
  if (typeof p.missingProperty === 'string') return p.missingProperty;
  if (typeof p.additionalProperty === 'string') return p.additionalProperty;
  return (v.instancePath ?? '').replace(/^\//, '').split('/')[0].replace(/~1/g, '/').replace(/~0/g, '~') || '(query)';
}

export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError & { parameter?: string }, req, reply) => {
    if (err.validation && err.validation.length > 0) {
      const v = err.validation[0] as AjvIssue;
      const parameter = parameterOf(v);
      const what = v.params && typeof v.params.additionalProperty === 'string' ? 'unknown parameter' : v.message ?? 'invalid';
      return reply.code(400).send({ error: `${parameter}: ${what}`, parameter });
    }
    if (err instanceof BadParameter) return reply.code(400).send({ error: err.message, parameter: err.parameter });
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: err.message });
    log.error('request failed', { url: req.url, error: err.message });
    return reply.code(500).send({ error: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));
}
