/**
 * Generates the OpenAPI 3 document from the routes as they are registered (the core's
 * and every module's): path and query parameters from each route's declared JSON
 * schemas, and their response schemas where declared. Served at /api/openapi.json.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

declare module 'fastify' {
  interface FastifySchema {
    /** OpenAPI documentation of the route (shown in /api/openapi.json). */
    summary?: string;
    description?: string;
    tags?: string[];
    /** Leave the route out of the OpenAPI document. */
    hide?: boolean;
  }
}

interface Collected { method: string; url: string; schema: Record<string, unknown> }

type JsonSchema = { properties?: Record<string, Record<string, unknown>>; required?: string[]; description?: string };

const PUBLIC = new Set(['/api/health', '/api/openapi.json']);

function parameters(schema: Record<string, unknown>, where: 'query' | 'path'): unknown[] {
  const s = schema[where === 'query' ? 'querystring' : 'params'] as JsonSchema | undefined;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: where, required: where === 'path' || (s.required ?? []).includes(name), description, schema: rest };
  });
}

export function collectRoutes(app: FastifyInstance): () => Record<string, unknown> {
  const routes: Collected[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const schema = (r.schema ?? {}) as Record<string, unknown>;
    if (schema.hide) return;
    for (const m of methods) if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), url: r.url, schema });
  });
  return () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const responses: Record<string, unknown> = {};
      const declared = (r.schema.response ?? {}) as Record<string, unknown>;
      for (const [code, s] of Object.entries(declared)) responses[code] = { description: `${code} answer`, content: { 'application/json': { schema: s } } };
      if (Object.keys(responses).length === 0) responses['200'] = { description: 'success' };
      const secured = (r.url.startsWith('/api/') && !PUBLIC.has(r.url)) || r.url === '/metrics';
      (paths[path] ??= {})[r.method] = {
        summary: r.schema.summary, description: r.schema.description, tags: r.schema.tags,
        parameters: [...parameters(r.schema, 'path'), ...parameters(r.schema, 'query')],
        responses,
        ...(secured ? { security: [{ bearer: [] }] } : {}),
      };
    }
    return {
      openapi: '3.0.3',
      info: { title: 'Vigil collector API', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      paths,
    };
  };
}
