import type { IncomingMessage } from 'node:http';
import { recordRequestError, requestRecords } from '../request-record.js';
import type { ReplyHeaders } from '../request-record.js';

interface FastifyRequestLike {
  raw: IncomingMessage;
}
interface FastifyReplyLike {
  getHeader?: unknown;
}
type Handler = (this: unknown, request: FastifyRequestLike, reply: FastifyReplyLike) => unknown;
interface RouteOptionsLike {
  url?: string;
  handler?: Handler;
}
interface FastifyLike {
  addHook(name: 'onRoute', hook: (routeOptions: RouteOptionsLike) => void): unknown;
  addHook(
    name: 'onError',
    hook: (request: FastifyRequestLike, reply: unknown, error: unknown, done: () => void) => void,
  ): unknown;
}

/**
 * Fastify 5 plugin: `await app.register(fastifyPlugin)` before the routes. Each route's template
 * (`routeOptions.url`, prefixes included) is known when the route is declared: the `onRoute` hook
 * wraps the route's handler to put it (and the reply, whose headers Node does not keep) on the
 * request record, which costs one function call per request instead of a per-request `onRequest`
 * hook. The 404 handler is no route, so a 404 has no `http.route`. Errors come from `onError`.
 * The plugin is not encapsulated (like `fastify-plugin`), so it sees the routes of every plugin
 * registered after it.
 */
export function fastifyPlugin(fastify: unknown, _options: unknown, done: (error?: Error) => void): void {
  const app = fastify as FastifyLike;
  app.addHook('onRoute', function lifelineRoute(routeOptions) {
    const handler = routeOptions.handler;
    const route = routeOptions.url;
    if (typeof handler !== 'function' || typeof route !== 'string') return;
    routeOptions.handler = function lifelineRouteHandler(this: unknown, request, reply) {
      const record = requestRecords.get(request.raw);
      if (record !== undefined) {
        record.route = route;
        // Fastify passes its headers to writeHead whole; its reply keeps them for reading back.
        if (typeof reply.getHeader === 'function') record.replyHeaders = reply as ReplyHeaders;
      }
      return handler.call(this, request, reply);
    };
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
