import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { IncomingMessage } from 'node:http';
import { koaMiddleware } from '../adapters/koa-middleware.js';
import { recordRequestError } from '../request-record.js';
import { adaptingOnce, declareMethodHook } from './framework-module.js';

type Middleware = (ctx: { req: IncomingMessage }, next: () => Promise<unknown>) => unknown;
interface KoaApplication {
  middleware: Middleware[];
}
interface KoaClass {
  prototype: { callback?: (...args: unknown[]) => unknown; use?: (fn: Middleware) => unknown };
}

/**
 * Koa 2 and 3 (routes from `@koa/router`) with no code change.
 *
 *   app.callback() (app.listen calls it) ──► the adapter's koaMiddleware() put first, once per app
 *   app.use(fn)                          ──► fn wrapped to record an error it throws or rejects with
 *
 * The first gives the adapter's route and its record of errors that reach Koa. The second sees an
 * error before an app's own error-handling middleware turns it into a response (which would hide
 * it from a middleware placed first); the innermost record wins, so a request still gets one
 * exception event.
 */
export function createKoaInstrumentation(): Instrumentation {
  return declareMethodHook({
    module: 'koa',
    majors: [2, 3],
    on: (koa: KoaClass) => koa.prototype,
    wrap: { callback: adaptOnCallback, use: recordErrorsOf },
  });
}

const adaptOnCallback = adaptingOnce((app: KoaApplication) => {
  if (Array.isArray(app.middleware) && !app.middleware.some((fn) => fn.name === 'lifelineKoa'))
    app.middleware.unshift(koaMiddleware());
});

function recordErrorsOf(original: (fn: Middleware) => unknown) {
  return function lifelineUse(this: unknown, fn: Middleware) {
    // Koa 2 converts generator middleware itself: those are passed on as they are.
    if (typeof fn !== 'function' || fn.name === 'lifelineKoa' || fn.constructor.name === 'GeneratorFunction')
      return original.call(this, fn);
    const recorded: Middleware = function (this: unknown, ctx, next) {
      let result: unknown;
      try {
        result = fn.call(this, ctx, next);
      } catch (error) {
        recordRequestError(ctx.req, error);
        throw error;
      }
      if (result instanceof Promise)
        return result.catch((error: unknown) => {
          recordRequestError(ctx.req, error);
          throw error;
        });
      return result;
    };
    // Keep the name Koa prints in its debug log.
    Object.defineProperty(recorded, 'name', { value: fn.name });
    return original.call(this, recorded);
  };
}
