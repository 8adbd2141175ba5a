// The same small API on each framework (the framework's modules are passed in, so one builder
// serves every major). `adapters` is undefined in zero-code runs. Routes (expected http.route):
//
//   GET /users/:id                 [/users/:id]
//   GET /api/v1/items/:itemId      nested routers / prefixes   [/api/v1/items/:itemId]
//   GET /orgs/:org/reports         mount path with a parameter [/orgs/:org/reports]
//   GET /boom                      throws (a JWT in the message) → 500, the app's error handler answers
//   GET /async-boom                rejects / next(err) → 500
//   anything else                  404, no route
import { createServer } from 'node:http';

/** A JWT in an exception message: the exception event must carry it masked. */
export const SECRET_IN_MESSAGE = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXNlY3JldA';

function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    ),
  );
}

export async function expressApp(express, adapters) {
  const app = express();
  if (adapters) adapters.expressAdapter(app);
  expressRoutedApi(express, app);
  failingExpressRoutes(app, { error: 'internal' });
  return listen(createServer(app));
}

/**
 * The routed part of the API on an Express app (also the package tests' Express app):
 * /users/:id, /api/v1/items/:itemId (nested routers) and /orgs/:org/reports (a mount path with a
 * parameter).
 */
export function expressRoutedApi(express, app) {
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
  const api = express.Router();
  const v1 = express.Router();
  v1.get('/items/:itemId', (req, res) => res.json({ itemId: req.params.itemId }));
  api.use('/v1', v1);
  app.use('/api', api);
  const org = express.Router({ mergeParams: true });
  org.get('/reports', (req, res) => res.json({ org: req.params.org }));
  app.use('/orgs/:org', org);
}

/** GET /boom (throws) and /async-boom (next(err)) on `router`, then its error middleware answering 500 with `body`. */
function failingExpressRoutes(router, body) {
  router.get('/boom', () => {
    throw new Error(`kaboom: ${SECRET_IN_MESSAGE}`);
  });
  router.get('/async-boom', (_req, _res, next) => setImmediate(() => next(new Error('passed on'))));
  // Four parameters: Express tells error middleware by its arity.
  router.use((_error, _req, res, next) => {
    void next;
    res.status(500).json(body);
  });
}

/**
 * Express with the error middleware inside the router that throws: it answers by itself, so the
 * error never reaches the app's level (where the adapter's error middleware sits).
 */
export async function expressRouterErrorsApp(express) {
  const app = express();
  const router = express.Router();
  failingExpressRoutes(router, { error: 'answered by the router' });
  app.use(router);
  return listen(createServer(app));
}

/** An app on a major Lifeline does not hook (Express 3): only its requests' access events are expected. */
export async function legacyExpressApp(express) {
  const app = express();
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
  return listen(createServer(app));
}

export async function koaApp(Koa, Router, adapters) {
  const app = new Koa();
  app.silent = true;
  // The app's own error handler, first: it answers 500 itself and does not re-throw.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch {
      ctx.status = 500;
      ctx.body = { error: 'internal' };
    }
  });
  if (adapters) app.use(adapters.koaMiddleware());
  const { router, routers } = koaRoutedApi(Router);
  router.get('/boom', () => {
    throw new Error(`kaboom: ${SECRET_IN_MESSAGE}`);
  });
  router.get('/async-boom', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('rejected');
  });
  for (const r of routers) app.use(r.routes());
  return listen(createServer(app.callback()));
}

/**
 * The routed part of the API for Koa with `@koa/router` (also the package tests' Koa app):
 * /users/:id, /api/v1/items/:itemId (nested prefixes) and /orgs/:org/reports (a prefix with a
 * parameter). `router` takes the caller's other routes; `routers` are to be used by the app in order.
 */
export function koaRoutedApi(Router) {
  const router = new Router();
  router.get('/users/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  const api = new Router({ prefix: '/api' });
  const v1 = new Router({ prefix: '/v1' });
  v1.get('/items/:itemId', (ctx) => {
    ctx.body = { itemId: ctx.params.itemId };
  });
  api.use(v1.routes());
  const org = new Router({ prefix: '/orgs/:org' });
  org.get('/reports', (ctx) => {
    ctx.body = { org: ctx.params.org };
  });
  return { router, routers: [api, org, router] };
}

export async function honoApp({ Hono }, { serve }, adapters) {
  const app = new Hono();
  if (adapters) app.use('*', adapters.honoMiddleware());
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
  const api = new Hono();
  const v1 = new Hono();
  v1.get('/items/:itemId', (c) => c.json({ itemId: c.req.param('itemId') }));
  api.route('/v1', v1);
  app.route('/api', api);
  app.get('/orgs/:org/reports', (c) => c.json({ org: c.req.param('org') }));
  app.get('/boom', () => {
    throw new Error(`kaboom: ${SECRET_IN_MESSAGE}`);
  });
  app.get('/async-boom', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('rejected');
  });
  app.onError((_error, c) => c.json({ error: 'internal' }, 500));
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** A Nest method decorator applied by hand (plain JavaScript). */
function method(decorator, target, name) {
  return decorator(target, name, Object.getOwnPropertyDescriptor(target, name));
}

/**
 * The Nest app's module (also the package tests' Nest app). The caller's `UsersController`, its
 * other routes already decorated, gets the API's shared ones: GET users/:id (`user(req)`),
 * orgs/:org/reports (`reports(req)`) and boom (`boom()`). GET /api/v1/items/:itemId comes from a
 * controller of its own.
 */
export function nestAppModule({ Controller, Get, Module, Req }, UsersController) {
  const p = UsersController.prototype;
  method(Get('users/:id'), p, 'user');
  Req()(p, 'user', 0);
  method(Get('orgs/:org/reports'), p, 'reports');
  Req()(p, 'reports', 0);
  method(Get('boom'), p, 'boom');
  Controller()(UsersController);
  class ItemsController {
    item(req) {
      return { itemId: req.params.itemId };
    }
  }
  method(Get(':itemId'), ItemsController.prototype, 'item');
  Req()(ItemsController.prototype, 'item', 0);
  Controller('api/v1/items')(ItemsController);
  class AppModule {}
  Module({ controllers: [UsersController, ItemsController] })(AppModule);
  return AppModule;
}

/** Nest controllers declared with the decorator functions applied by hand (plain JavaScript). */
export async function nestApp({ core, common, platform }, adapters) {
  class UsersController {
    user(req) {
      return { id: req.params.id };
    }
    reports(req) {
      return { org: req.params.org };
    }
    boom() {
      throw new Error(`kaboom: ${SECRET_IN_MESSAGE}`);
    }
    async asyncBoom() {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('rejected');
    }
  }
  method(common.Get('async-boom'), UsersController.prototype, 'asyncBoom');

  const app = await core.NestFactory.create(nestAppModule(common, UsersController), platform, {
    logger: false,
  });
  if (adapters) {
    app.useGlobalInterceptors(adapters.nestInterceptor());
    app.useGlobalFilters(adapters.nestExceptionFilter(new core.BaseExceptionFilter(app.getHttpAdapter())));
  }
  await app.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${app.getHttpServer().address().port}`, close: () => app.close() };
}
