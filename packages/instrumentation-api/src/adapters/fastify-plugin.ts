import type { IncomingMessage } from 'node:http';
import { recordRequestError, requestRecords } from '../request-record.js';

interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
}
interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: unknown, done: () => void) => void): unknown;
  addHook(name: 'onError', hook: (request: FastifyRequestLike, reply: unknown, error: unknown, done: () => void) => void): unknown;
}

/**
 * Fastify 5 plugin: `app.register(fastifyPlugin)`. Sets `http.route` from `routeOptions.url`
 * (the full template, prefixes included; absent for the 404 handler) and records errors from
 * `onError`. It is not encapsulated (like `fastify-plugin`), so it sees every route.
 */
export function fastifyPlugin(fastify: unknown, _options: unknown, done: (error?: Error) => void): void {
  const app = fastify as FastifyLike;
  app.addHook('onRequest', function lifelineRoute(request, _reply, next) {
    const record = requestRecords.get(request.raw);
    if (record !== undefined) record.route = request.routeOptions?.url;
    next();
  });
  app.addHook('onError', function lifelineError(request, _reply, error, next) {
    recordRequestError(request.raw, error);
    next();
  });
  done();
}

const meta = fastifyPlugin as unknown as Record<symbol, unknown>;
meta[Symbol.for('skip-override')] = true;
meta[Symbol.for('fastify.display-name')] = '@otel-lifeline/instrumentation-api';
meta[Symbol.for('plugin-meta')] = { name: '@otel-lifeline/instrumentation-api', fastify: '>=4' };
