import type { IncomingMessage } from 'node:http';
import { recordRequestError, requestRecords } from '../request-record.js';

interface HonoRoute {
  path: string;
  handler: (...args: never[]) => unknown;
}
interface HonoContextLike {
  env?: { incoming?: IncomingMessage };
  error?: unknown;
  req: { routeIndex: number; matchedRoutes: HonoRoute[] };
}

/**
 * Hono on `@hono/node-server`: `app.use('*', honoMiddleware())` first. The request is found
 * through `c.env.incoming`; `http.route` is the path of the handler that answered (handlers take
 * one argument, middleware two — the 404 fallback leaves no handler, so no route). Errors Hono
 * caught for `onError` are recorded from `c.error`.
 */
export function honoMiddleware(): (c: HonoContextLike, next: () => Promise<void>) => Promise<void> {
  return async function lifelineHono(c, next) {
    await next();
    const incoming = c.env?.incoming;
    if (incoming === undefined) return;
    if (c.error !== undefined) recordRequestError(incoming, c.error);
    const record = requestRecords.get(incoming);
    if (record === undefined) return;
    const route = c.req.matchedRoutes[c.req.routeIndex];
    if (route !== undefined && route.handler.length < 2) record.route = route.path;
  };
}
