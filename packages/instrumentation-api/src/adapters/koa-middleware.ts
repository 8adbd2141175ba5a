import type { IncomingMessage } from 'node:http';
import { recordRequestError, requestRecords } from '../request-record.js';

interface KoaContextLike {
  req: IncomingMessage;
  _matchedRoute?: string | RegExp;
}

/**
 * Koa 3 middleware; `app.use(koaMiddleware())` before the routers. `http.route` comes from
 * `@koa/router`'s matched layer (prefixes of nested routers included); errors thrown downstream
 * are recorded and re-thrown for Koa to answer.
 */
export function koaMiddleware(): (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void> {
  return async function lifelineKoa(ctx, next) {
    try {
      await next();
    } catch (error) {
      recordRequestError(ctx.req, error);
      throw error;
    } finally {
      const matched = ctx._matchedRoute;
      if (matched !== undefined) {
        const record = requestRecords.get(ctx.req);
        if (record !== undefined) record.route = String(matched);
      }
    }
  };
}
