import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { expressAdapter } from '../adapters/express-adapter.js';
import { recordRequestError } from '../request-record.js';
import { INSTRUMENTATION_VERSION } from '../scope.js';
import { frameworkModule, isSupportedMajor, moduleValue } from './framework-module.js';

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

const ADAPTED: unique symbol = Symbol('lifeline.expressAdapted');
type Marked = ExpressApp & { [ADAPTED]?: true };

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
class ExpressInstrumentation extends InstrumentationBase {
  constructor() {
    super('@otel-lifeline/instrumentation-express', INSTRUMENTATION_VERSION, {});
  }

  protected init() {
    const layerFile = (name: string, versions: string[], method: 'handle_error' | 'handleError') =>
      new InstrumentationNodeModuleFile(
        name,
        versions,
        (exports: { prototype?: Record<string, unknown> }) => {
          if (typeof exports?.prototype?.[method] === 'function')
            this._wrap(exports.prototype as Record<typeof method, LayerErrorHandler>, method, recordFirst);
          return exports;
        },
        (exports: { prototype?: Record<string, unknown> }) => {
          if (exports?.prototype !== undefined) this._unwrap(exports.prototype, method);
        },
      );
    return [
      this.expressModule([layerFile('express/lib/router/layer.js', ['4.*'], 'handle_error')]),
      // Express 5 routes with the `router` package (2.x).
      new InstrumentationNodeModuleDefinition('router', ['2.*'], undefined, undefined, [
        layerFile('router/lib/layer.js', ['2.*'], 'handleError'),
      ]),
    ];
  }

  private expressModule(files: InstrumentationNodeModuleFile[]) {
    return frameworkModule(
      'express',
      (exports: unknown, version?: string) => {
        const express = moduleValue<ExpressModule>(exports);
        if (!isSupportedMajor('express', version, [4, 5])) return exports;
        const application = express.application;
        if (typeof application?.handle !== 'function') return exports;
        this._wrap(application as { handle: Handle }, 'handle', adaptOnFirstRequest);
        return exports;
      },
      (exports: unknown) => {
        const application = moduleValue<ExpressModule>(exports).application;
        if (application !== undefined) this._unwrap(application, 'handle');
      },
      files,
    );
  }
}

type LayerErrorHandler = (this: unknown, error: unknown, req: IncomingMessage, ...rest: unknown[]) => unknown;

function recordFirst(original: LayerErrorHandler): LayerErrorHandler {
  return function lifelineLayerError(this: unknown, error, req, ...rest) {
    recordRequestError(req, error);
    return original.call(this, error, req, ...rest);
  };
}

function adaptOnFirstRequest(original: Handle): Handle {
  return function lifelineHandle(this: Marked, ...args: unknown[]) {
    if (this[ADAPTED] !== true) {
      this[ADAPTED] = true;
      if (this.parent === undefined) adapt(this);
    }
    return original.apply(this, args);
  };
}

function adapt(app: ExpressApp): void {
  const stack = (app._router ?? app.router)?.stack;
  if (stack === undefined || stack.some((layer) => layer.handle?.name === 'lifelineRoute')) return;
  expressAdapter(app);
  const layer = stack.pop();
  if (layer !== undefined) stack.unshift(layer);
}

export function createExpressInstrumentation(): Instrumentation {
  return new ExpressInstrumentation();
}
