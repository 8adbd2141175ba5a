import { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { IncomingMessage } from 'node:http';
import { koaMiddleware } from '../adapters/koa-middleware.js';
import { recordRequestError } from '../request-record.js';
import { INSTRUMENTATION_VERSION } from '../scope.js';
import { frameworkModule, isSupportedMajor, moduleValue } from './framework-module.js';

type Middleware = (ctx: { req: IncomingMessage }, next: () => Promise<unknown>) => unknown;
interface KoaApplication {
  middleware: Middleware[];
}
interface KoaClass {
  prototype: { callback?: (...args: unknown[]) => unknown; use?: (fn: Middleware) => unknown };
}

const ADAPTED: unique symbol = Symbol('lifeline.koaAdapted');
type Marked = KoaApplication & { [ADAPTED]?: true };

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
class KoaInstrumentation extends InstrumentationBase {
  constructor() {
    super('@otel-lifeline/instrumentation-koa', INSTRUMENTATION_VERSION, {});
  }

  protected init() {
    return frameworkModule(
      'koa',
      (exports: unknown, version?: string) => {
        if (!isSupportedMajor('koa', version, [2, 3])) return exports;
        const proto = moduleValue<KoaClass>(exports).prototype;
        if (typeof proto?.callback !== 'function' || typeof proto.use !== 'function') return exports;
        const methods = proto as Required<KoaClass['prototype']>;
        this._wrap(methods, 'callback', adaptOnCallback);
        this._wrap(methods, 'use', recordErrorsOf);
        return exports;
      },
      (exports: unknown) => {
        const proto = moduleValue<KoaClass>(exports).prototype;
        if (proto === undefined) return;
        this._unwrap(proto, 'callback');
        this._unwrap(proto, 'use');
      },
    );
  }
}

function adaptOnCallback(original: (...args: unknown[]) => unknown) {
  return function lifelineCallback(this: Marked, ...args: unknown[]) {
    if (this[ADAPTED] !== true && Array.isArray(this.middleware)) {
      this[ADAPTED] = true;
      if (!this.middleware.some((fn) => fn.name === 'lifelineKoa')) this.middleware.unshift(koaMiddleware());
    }
    return original.apply(this, args);
  };
}

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

export function createKoaInstrumentation(): Instrumentation {
  return new KoaInstrumentation();
}
