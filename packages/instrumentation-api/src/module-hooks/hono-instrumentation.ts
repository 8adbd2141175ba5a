import type { Instrumentation } from '@opentelemetry/instrumentation';
import { honoMiddleware } from '../adapters/hono-middleware.js';
import { createFrameworkInstrumentation } from './framework-module.js';

type HonoHandler = (c: object, next: () => Promise<void>) => Promise<void>;
type HonoClass = new (...args: never[]) => { use(path: string, handler: HonoHandler): unknown };

const SEEN: unique symbol = Symbol('lifeline.honoSeen');

/**
 * Hono 4 (on `@hono/node-server`) with no code change: the `Hono` class exported by `hono` is
 * replaced by a subclass whose constructor does what the one-line adapter asks of the app,
 * `app.use('*', honoMiddleware())`, as the app's first handler.
 *
 *   new Hono()                 ──► use('*', adapter)      (first: it sees every request, 404s too)
 *   app.route('/api', subApp)  ──► the sub-app's copy runs too, and steps aside for a request the
 *                                  app's copy already took (one mark on the request's context)
 *
 * `instanceof Hono` still holds. Apps built from `hono/tiny` or `hono/quick` are not covered.
 */
export function createHonoInstrumentation(): Instrumentation {
  return createFrameworkInstrumentation({
    name: 'hono',
    module: 'hono',
    majors: [4],
    patch(exports, { wrap }) {
      const hono = exports as { Hono?: HonoClass };
      if (typeof hono.Hono !== 'function') return exports;
      try {
        wrap(hono as { Hono: HonoClass }, 'Hono', adaptingSubclass);
        return exports;
      } catch {
        // Exports defined as fixed getters (some bundlers' CommonJS output): hand out a copy.
        return withExport(hono, 'Hono', adaptingSubclass(hono.Hono));
      }
    },
    unpatch(exports, { unwrap }) {
      try {
        unwrap(exports as { Hono?: HonoClass }, 'Hono');
      } catch {
        // A copy was handed out; the original exports were never changed.
      }
    },
  });
}

function adaptingSubclass(Hono: HonoClass): HonoClass {
  return class extends Hono {
    constructor(...args: never[]) {
      super(...args);
      const adapter = honoMiddleware() as unknown as HonoHandler;
      this.use('*', function lifelineHono(c, next) {
        const marked = c as { [SEEN]?: true };
        if (marked[SEEN] === true) return next();
        marked[SEEN] = true;
        return adapter(c, next);
      });
    }
  };
}

function withExport(exports: object, name: string, value: unknown): object {
  const descriptors = Object.getOwnPropertyDescriptors(exports);
  for (const descriptor of Object.values(descriptors)) descriptor.configurable = true;
  descriptors[name] = { value, enumerable: true, configurable: true, writable: true };
  return Object.defineProperties({}, descriptors);
}
