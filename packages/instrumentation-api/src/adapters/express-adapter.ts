import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordRequestError, requestRecords } from '../request-record.js';

/**
 * Express 4 and 5. `http.route` is the full template of the route that handled the request,
 * mount paths included (`app.use('/api', api)` + `api.use('/v1', v1)` + `v1.get('/items/:id')`
 * → `/api/v1/items/:id`), found by walking the app's router tree to the `req.route` object that
 * Express set, so it never depends on the URL's values; a request no route handled (a 404) has no route.
 *
 * Router tree (walked at response time, cached per route object and mount values):
 *
 *   app router ── layer(mount '/api') ── router ── layer(mount '/v1') ── router ── layer(route '/items/:id')
 *                 rawPath (Express 5) or keys+params (Express 4) give each mount's template
 */
export interface ExpressAdapter {
  /**
   * Error middleware that records the error for the exception event and passes it on. On the
   * app's first request it is placed just before the app's first error middleware (or last when
   * there is none), unless you placed it yourself. Error handlers inside sub-routers that end
   * the response hide errors from it: add it there too.
   */
  readonly errorHandler: (
    error: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ) => void;
}

interface ExpressLayer {
  handle?: unknown;
  route?: ExpressRoute;
  rawPath?: unknown;
  keys?: Array<{ name: string | number } | string>;
  params?: Record<string, string>;
  path?: string;
  match?: (path: string) => boolean;
  regexp?: { fast_slash?: boolean };
}
interface ExpressRoute {
  path: unknown;
}
interface ExpressRouter {
  stack: ExpressLayer[];
}
interface ExpressApp {
  use(...handlers: unknown[]): unknown;
  _router?: ExpressRouter;
  router?: ExpressRouter;
}
type ExpressRequest = IncomingMessage & { route?: ExpressRoute; originalUrl?: string; baseUrl?: string };

export function expressAdapter(app: unknown): ExpressAdapter {
  const expressApp = app as ExpressApp;
  if (typeof expressApp?.use !== 'function')
    throw new TypeError('expressAdapter(app): app must be an Express application');
  const cache = new WeakMap<ExpressRoute, Map<string, string | undefined>>();
  let checkedErrorHandler = false;

  const errorHandler: ExpressAdapter['errorHandler'] = function lifelineErrorHandler(error, req, _res, next) {
    recordRequestError(req, error);
    next(error);
  };

  const resolve = (req: ExpressRequest): string | undefined => {
    const route = req.route;
    if (route === undefined) return undefined;
    const baseUrl = req.baseUrl ?? '';
    let perBase = cache.get(route);
    const hit = perBase?.get(baseUrl);
    if (hit !== undefined) return hit;
    const root = rootRouter(expressApp);
    const path = pathOf(req.originalUrl ?? req.url ?? '/');
    const found = root === undefined ? undefined : findRoute(root, route, path, '');
    const template = found ?? (typeof route.path === 'string' ? joinPath(baseUrl, route.path) : undefined);
    if (perBase === undefined) {
      perBase = new Map();
      cache.set(route, perBase);
    }
    if (perBase.size < 64) perBase.set(baseUrl, template);
    return template;
  };

  expressApp.use(function lifelineRoute(req: ExpressRequest, _res: ServerResponse, next: () => void) {
    const record = requestRecords.get(req);
    if (record !== undefined) record.resolveRoute = () => resolve(req);
    if (!checkedErrorHandler) {
      checkedErrorHandler = true;
      installErrorHandler(expressApp, errorHandler);
    }
    next();
  });
  return { errorHandler };
}

/** Puts `handler` before the first error middleware (4 arguments) of the app's top router. */
function installErrorHandler(app: ExpressApp, handler: (...args: never[]) => void): void {
  const stack = rootRouter(app)?.stack;
  if (stack === undefined || stack.some((layer) => layer.handle === handler)) return;
  app.use(handler);
  const layer = stack.pop() as ExpressLayer;
  const firstErrorMiddleware = stack.findIndex(
    (l) => typeof l.handle === 'function' && (l.handle as (...a: unknown[]) => unknown).length === 4,
  );
  stack.splice(firstErrorMiddleware === -1 ? stack.length : firstErrorMiddleware, 0, layer);
}

function rootRouter(app: ExpressApp): ExpressRouter | undefined {
  return app._router ?? app.router;
}

function subRouter(handle: unknown): ExpressRouter | undefined {
  if (handle === null || (typeof handle !== 'function' && typeof handle !== 'object')) return undefined;
  const h = handle as Partial<ExpressRouter> & ExpressApp;
  if (Array.isArray(h.stack)) return h as ExpressRouter;
  if (typeof h.use === 'function') return rootRouter(h); // a mounted sub-app
  return undefined;
}

/** Depth-first search for the layer holding `target`, building the template from mount layers. */
function findRoute(
  router: ExpressRouter,
  target: ExpressRoute,
  path: string,
  prefix: string,
): string | undefined {
  for (const layer of router.stack) {
    if (layer.route === target) return joinPath(prefix, routeTemplate(target.path));
    if (layer.route !== undefined) continue;
    const sub = subRouter(layer.handle);
    if (sub === undefined || typeof layer.match !== 'function') continue;
    if (!layer.match(path)) continue;
    const matched = layer.path ?? '';
    const mount = mountTemplate(layer, matched);
    const rest = path.slice(matched.length) || '/';
    const found = findRoute(sub, target, rest, joinPath(prefix, mount));
    if (found !== undefined) return found;
  }
  return undefined;
}

function mountTemplate(layer: ExpressLayer, matched: string): string {
  if (typeof layer.rawPath === 'string') return layer.rawPath === '/' ? '' : layer.rawPath; // Express 5 (router 2)
  // Express 4 keeps no template: put `:name` back where each parameter's value sits.
  const params = layer.params ?? {};
  const segments = matched.split('/');
  let from = 0;
  for (const key of layer.keys ?? []) {
    const name = typeof key === 'string' ? key : String(key.name);
    const value = params[name];
    if (value === undefined) continue;
    for (let i = from; i < segments.length; i++) {
      if (segments[i] === value || safeDecode(segments[i] as string) === value) {
        segments[i] = `:${name}`;
        from = i + 1;
        break;
      }
    }
  }
  const template = segments.join('/');
  return template === '/' ? '' : template;
}

function routeTemplate(path: unknown): string {
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(String).join('|');
  return String(path);
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '' || prefix === '/') return path;
  if (path === '/' || path === '') return prefix;
  return prefix.endsWith('/')
    ? prefix + path.replace(/^\//, '')
    : prefix + (path.startsWith('/') ? path : `/${path}`);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
