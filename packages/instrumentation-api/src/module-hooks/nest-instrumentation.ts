import type { Instrumentation } from '@opentelemetry/instrumentation';
import { nestExceptionFilter, nestInterceptor } from '../adapters/nest-interceptor.js';
import type { NestExceptionFilterLike } from '../adapters/nest-interceptor.js';
import { createFrameworkInstrumentation, moduleValue } from './framework-module.js';

interface NestApplicationLike {
  getHttpAdapter?(): unknown;
  useGlobalInterceptors?(...interceptors: unknown[]): unknown;
  useGlobalFilters?(...filters: unknown[]): unknown;
}
type Create = (this: unknown, ...args: unknown[]) => Promise<NestApplicationLike>;
interface NestCore {
  NestFactory?: object;
  BaseExceptionFilter?: new (httpAdapter: unknown) => NestExceptionFilterLike;
}

/**
 * NestJS 10 to 12, on the Express and Fastify platforms, with no code change: what the adapter
 * asks of the app is done to every application `NestFactory.create()` makes, before it is returned
 * (so before `listen()` registers the routes):
 *
 *   app.useGlobalInterceptors(nestInterceptor())                     route + handler exceptions
 *   app.useGlobalFilters(nestExceptionFilter(new BaseExceptionFilter(app.getHttpAdapter())))
 *                                                                    guard / pipe exceptions
 *
 * The route is also known to the platform's own hook (Express's or Fastify's), so it is there for
 * requests that never reach a controller. Filters the app adds itself are consulted first, as Nest
 * consults later filters first; the interceptor still records what a handler throws.
 */
export function createNestInstrumentation(): Instrumentation {
  return createFrameworkInstrumentation({
    name: 'nestjs',
    module: '@nestjs/core',
    majors: [10, 11, 12],
    patch(exports, { wrap }) {
      const core = moduleValue<NestCore>(exports);
      const factory = core.NestFactory;
      const BaseExceptionFilter = core.BaseExceptionFilter;
      const proto =
        factory === undefined ? undefined : (Object.getPrototypeOf(factory) as { create?: Create });
      if (typeof proto?.create !== 'function' || typeof BaseExceptionFilter !== 'function') return exports;
      wrap(proto as { create: Create }, 'create', (original) => adaptCreated(original, BaseExceptionFilter));
      return exports;
    },
    unpatch(exports, { unwrap }) {
      const factory = moduleValue<NestCore>(exports).NestFactory;
      if (factory !== undefined) unwrap(Object.getPrototypeOf(factory) as { create?: Create }, 'create');
    },
  });
}

function adaptCreated(
  original: Create,
  BaseExceptionFilter: NonNullable<NestCore['BaseExceptionFilter']>,
): Create {
  return async function lifelineCreate(this: unknown, ...args: unknown[]) {
    const app = await original.apply(this, args);
    if (
      typeof app?.useGlobalInterceptors === 'function' &&
      typeof app.useGlobalFilters === 'function' &&
      typeof app.getHttpAdapter === 'function'
    ) {
      app.useGlobalInterceptors(nestInterceptor());
      app.useGlobalFilters(nestExceptionFilter(new BaseExceptionFilter(app.getHttpAdapter())));
    }
    return app;
  };
}
