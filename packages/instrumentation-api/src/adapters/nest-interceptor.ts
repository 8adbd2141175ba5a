import type { IncomingMessage } from 'node:http';
import { recordRequestError, requestRecords } from '../request-record.js';

interface ObservableLike {
  subscribe(observer: { next(v: unknown): void; error(e: unknown): void; complete(): void }): unknown;
  constructor: new (
    subscribe: (subscriber: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => unknown,
  ) => ObservableLike;
}
interface NestRequestLike {
  raw?: IncomingMessage;
  routeOptions?: { url?: string };
  route?: { path?: unknown };
  baseUrl?: string;
}
interface ExecutionContextLike {
  getType(): string;
  switchToHttp(): { getRequest(): unknown };
}
interface CallHandlerLike {
  handle(): ObservableLike;
}

export interface NestInterceptorLike {
  intercept(context: ExecutionContextLike, next: CallHandlerLike): ObservableLike;
}

/**
 * NestJS interceptor for the Express and Fastify platforms:
 * `app.useGlobalInterceptors(nestInterceptor())` (or provide it as APP_INTERCEPTOR). It sets
 * `http.route` from the platform's matched route and records exceptions thrown by handlers
 * before Nest's exception filters turn them into responses. It needs neither `@nestjs/*` nor
 * `rxjs` at run time: the returned stream is built with the handler stream's own constructor.
 */
export function nestInterceptor(): NestInterceptorLike {
  return {
    intercept(context, next) {
      const source = next.handle();
      if (context.getType() !== 'http') return source;
      const request = context.switchToHttp().getRequest() as NestRequestLike & IncomingMessage;
      const raw = request.raw ?? request;
      const record = requestRecords.get(raw);
      if (record !== undefined) {
        const route =
          request.routeOptions?.url ??
          (typeof request.route?.path === 'string'
            ? (request.baseUrl ?? '') + request.route.path
            : undefined);
        if (route !== undefined) record.route = route;
      }
      const Observable = source.constructor;
      return new Observable((subscriber) =>
        source.subscribe({
          next: (value) => subscriber.next(value),
          error: (error) => {
            recordRequestError(raw, error);
            subscriber.error(error);
          },
          complete: () => subscriber.complete(),
        }),
      );
    },
  };
}

interface ArgumentsHostLike {
  getType(): string;
  switchToHttp(): { getRequest(): unknown };
}
export interface NestExceptionFilterLike {
  catch(exception: unknown, host: ArgumentsHostLike): unknown;
}

/**
 * Wraps an exception filter (normally Nest's own `BaseExceptionFilter`) so exceptions thrown
 * where interceptors do not reach — guards, pipes, middleware — are recorded too, then handled
 * by `delegate` as before:
 *
 *   const { httpAdapter } = app.get(HttpAdapterHost);
 *   app.useGlobalFilters(nestExceptionFilter(new BaseExceptionFilter(httpAdapter)));
 *
 * An exception recorded twice (interceptor and filter) still gives one exception event.
 */
export function nestExceptionFilter(delegate: NestExceptionFilterLike): NestExceptionFilterLike {
  if (delegate === null || typeof delegate !== 'object' || typeof delegate.catch !== 'function') {
    throw new TypeError(
      'nestExceptionFilter(delegate): delegate must be an exception filter, e.g. new BaseExceptionFilter(httpAdapter)',
    );
  }
  return {
    catch(exception, host) {
      if (host.getType() === 'http') {
        const request = host.switchToHttp().getRequest() as NestRequestLike & IncomingMessage;
        const raw = request.raw ?? request;
        setNestRoute(request, raw);
        recordRequestError(raw, exception);
      }
      return delegate.catch(exception, host);
    },
  };
}

/** The platform's matched route: Fastify's `routeOptions.url`, or Express's `req.route.path` under its mount. */
function setNestRoute(request: NestRequestLike, raw: IncomingMessage): void {
  const record = requestRecords.get(raw);
  if (record === undefined || record.route !== undefined) return;
  const route =
    request.routeOptions?.url ??
    (typeof request.route?.path === 'string' ? (request.baseUrl ?? '') + request.route.path : undefined);
  if (route !== undefined) record.route = route;
}
