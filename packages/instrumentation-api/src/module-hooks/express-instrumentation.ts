import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { expressAdapter } from '../adapters/express-adapter.js';
import { recordRequestError } from '../request-record.js';
import { adaptingOnce, declareMethodHook } from './framework-module.js';
import type { Shim } from './framework-module.js';

interface ExpressLayer {
  handle?: { name?: string };
}
interface ExpressApp {
  parent?: unknown;
  _router?: { stack: ExpressLayer[] };
  router?: { stack: ExpressLayer[] };
  use(...handlers: unknown[]): unknown;
}
type Handle = (this: ExpressApp, ...args: unknown[]) => unknown;
interface ExpressModule {
  application?: { handle?: Handle };
}

/**
 * Express 4 and 5 with no code change: the one-line adapter, applied by the module hook.
 *
 *   require/import 'express' ──► wrap express.application.handle (copied into every app made after)
 *   app's first request      ──► expressAdapter(app), its route layer moved to the front of the app's
 *                                router (so every route declared before is covered)
 *   every request            ──► the adapter's layer, as if the app had called expressAdapter(app)
 *
 *   an error on its way       ──► each router layer offered the error (Express 4's
 *   through the routers            `Layer#handle_error`, Express 5's router `Layer#handleError`)
 *                                  records it first, so an error middleware inside a sub-router
 *                                  that answers by itself does not hide it
 *
 * The events are the adapter's. A mounted sub-app (`app.use('/x', sub)`, which sets `sub.parent`)
 * is left alone: the top app's adapter resolves its routes, mount path included.
 */
export function createExpressInstrumentation(): Instrumentation {
  return declareMethodHook({
    module: 'express',
    majors: [4, 5],
    on: (express: ExpressModule) => express.application,
    wrap: { handle: adaptOnFirstRequest },
    files: (shim) => [layerFile(shim, 'express/lib/router/layer.js', ['4.*'], 'handle_error')],
    // Express 5 routes with the `router` package (2.x).
    modules: (shim) => [
      new InstrumentationNodeModuleDefinition('router', ['2.*'], undefined, undefined, [
        layerFile(shim, 'router/lib/layer.js', ['2.*'], 'handleError'),
      ]),
    ],
  });
}

/** A router layer file whose error handler records the error first. */
function layerFile(
  { wrap, unwrap }: Shim,
  name: string,
  versions: string[],
  method: 'handle_error' | 'handleError',
) {
  return new InstrumentationNodeModuleFile(
    name,
    versions,
    (exports: { prototype?: Record<string, unknown> }) => {
      if (typeof exports?.prototype?.[method] === 'function')
        wrap(exports.prototype as Record<typeof method, LayerErrorHandler>, method, recordFirst);
      return exports;
    },
    (exports: { prototype?: Record<string, unknown> }) => {
      if (exports?.prototype !== undefined) unwrap(exports.prototype, method);
    },
  );
}

type LayerErrorHandler = (this: unknown, error: unknown, req: IncomingMessage, ...rest: unknown[]) => unknown;

function recordFirst(original: LayerErrorHandler): LayerErrorHandler {
  return function lifelineLayerError(this: unknown, error, req, ...rest) {
    recordRequestError(req, error);
    return original.call(this, error, req, ...rest);
  };
}

const adaptOnFirstRequest = adaptingOnce(adapt);

function adapt(app: ExpressApp): void {
  if (app.parent !== undefined) return;
  const stack = (app._router ?? app.router)?.stack;
  if (stack === undefined || stack.some((layer) => layer.handle?.name === 'lifelineRoute')) return;
  expressAdapter(app);
  const layer = stack.pop();
  if (layer !== undefined) stack.unshift(layer);
}
