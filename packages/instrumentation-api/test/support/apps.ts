/**
 * The same small API on every supported server: each builder starts a real server on
 * 127.0.0.1:0 and returns its base URL. Routes (the expected `http.route` in brackets):
 *
 *   GET  /users/:id              200 JSON          [/users/:id]
 *   GET  /api/v1/items/:itemId   nested routers    [/api/v1/items/:itemId]
 *   GET  /orgs/:org/reports      mount with param  [/orgs/:org/reports]   (audited in tests)
 *   GET  /boom                   throws Error('kaboom') → 500
 *   GET  /private /admin /limited → 401 / 403 / 429
 *   POST /login                  always 401
 *   POST /echo                   echoes the JSON body
 *   GET  /health                 200
 *   GET  /guarded                Nest only: a guard throws Error('guard failed') → 500
 *   anything else                404, no route
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context as KoaContext } from 'koa';
// The one-line adapters each app wires by hand (`adapters.expressAdapter(app)`, ...).
import * as adapters from '@otel-lifeline/instrumentation-api';
import { recordRequestError, setHttpRoute } from '@otel-lifeline/instrumentation-api';
// The same routed API as the module-hook tests' apps (which run it on every framework major).
import { expressRoutedApi, koaRoutedApi, nestAppModule } from '../../../../test/majors/frameworks/apps.mjs';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export interface Framework {
  name: string;
  start(): Promise<RunningApp>;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function listen(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: urlOf(server), close: () => closeServer(server) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const nodeHttp: Framework = {
  name: 'node:http',
  async start() {
    const server = createServer((req, res) => {
      void (async () => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        let m: RegExpExecArray | null;
        if ((m = /^\/users\/([^/]+)$/.exec(path))) {
          setHttpRoute(req, '/users/:id');
          return json(res, 200, { id: m[1] });
        }
        if ((m = /^\/api\/v1\/items\/([^/]+)$/.exec(path))) {
          setHttpRoute(req, '/api/v1/items/:itemId');
          return json(res, 200, { itemId: m[1] });
        }
        if ((m = /^\/orgs\/([^/]+)\/reports$/.exec(path))) {
          setHttpRoute(req, '/orgs/:org/reports');
          return json(res, 200, { org: m[1] });
        }
        const simple: Record<string, number> = {
          '/private': 401,
          '/admin': 403,
          '/limited': 429,
          '/health': 200,
        };
        if (req.method === 'GET' && simple[path] !== undefined) {
          setHttpRoute(req, path);
          return json(res, simple[path] as number, { path });
        }
        if (path === '/boom') {
          setHttpRoute(req, '/boom');
          try {
            throw new Error('kaboom');
          } catch (error) {
            recordRequestError(req, error);
            return json(res, 500, { error: 'internal' });
          }
        }
        if (req.method === 'POST' && path === '/login') {
          setHttpRoute(req, '/login');
          await readBody(req);
          return json(res, 401, { error: 'bad credentials' });
        }
        if (req.method === 'POST' && path === '/echo') {
          setHttpRoute(req, '/echo');
          return json(res, 200, JSON.parse(await readBody(req)));
        }
        json(res, 404, { error: 'not found' });
      })();
    });
    return listen(server);
  },
};

async function expressFramework(name: string, specifier: string): Promise<Framework> {
  type Handler = (
    req: IncomingMessage & { params: Record<string, string>; body: unknown },
    res: ServerResponse & { status(n: number): { json(v: unknown): void }; json(v: unknown): void },
    next: (e?: unknown) => void,
  ) => unknown;
  interface RouterLike {
    get(path: string, ...h: Handler[]): void;
    post(path: string, ...h: Handler[]): void;
    use(...args: unknown[]): void;
  }
  const mod = (await import(specifier)) as {
    default: {
      (): RouterLike & { listen(port: number, host: string, cb: () => void): Server };
      Router(opts?: object): RouterLike;
      json(): unknown;
    };
  };
  const express = mod.default;
  return {
    name,
    async start() {
      const app = express();
      adapters.expressAdapter(app);
      app.use(express.json());
      expressRoutedApi(express, app);
      app.get('/boom', () => {
        throw new Error('kaboom');
      });
      app.get('/private', (_req, res) => res.status(401).json({ error: 'unauthorized' }));
      app.get('/admin', (_req, res) => res.status(403).json({ error: 'forbidden' }));
      app.get('/limited', (_req, res) => res.status(429).json({ error: 'slow down' }));
      app.post('/login', (_req, res) => res.status(401).json({ error: 'bad credentials' }));
      app.post('/echo', (req, res) => res.json(req.body));
      app.get('/health', (_req, res) => res.json({ ok: true }));
      app.use(
        (
          err: unknown,
          _req: unknown,
          res: ServerResponse & { status(n: number): { json(v: unknown): void } },
          next: (e?: unknown) => void,
        ) => {
          void err;
          void next;
          res.status(500).json({ error: 'internal' });
        },
      );
      const server = createServer(app as unknown as (req: IncomingMessage, res: ServerResponse) => void);
      return listen(server);
    },
  };
}

const fastifyFramework: Framework = {
  name: 'fastify',
  async start() {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    await app.register(adapters.fastifyPlugin);
    app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id }));
    await app.register(
      async (api) => {
        await api.register(
          async (v1) => {
            v1.get<{ Params: { itemId: string } }>('/items/:itemId', async (req) => ({
              itemId: req.params.itemId,
            }));
          },
          { prefix: '/v1' },
        );
      },
      { prefix: '/api' },
    );
    app.get<{ Params: { org: string } }>('/orgs/:org/reports', async (req) => ({ org: req.params.org }));
    app.get('/boom', async () => {
      throw new Error('kaboom');
    });
    app.get('/private', async (_req, reply) => reply.code(401).send({ error: 'unauthorized' }));
    app.get('/admin', async (_req, reply) => reply.code(403).send({ error: 'forbidden' }));
    app.get('/limited', async (_req, reply) => reply.code(429).send({ error: 'slow down' }));
    app.post('/login', async (_req, reply) => reply.code(401).send({ error: 'bad credentials' }));
    app.post('/echo', async (req) => req.body);
    app.get('/health', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: urlOf(app.server), close: () => app.close() };
  },
};

const koaFramework: Framework = {
  name: 'koa',
  async start() {
    const { default: Koa } = await import('koa');
    const { default: Router } = await import('@koa/router');
    const app = new Koa();
    app.silent = true;
    app.use(adapters.koaMiddleware());
    const { router, routers } = koaRoutedApi(Router);
    router.get('/boom', () => {
      throw new Error('kaboom');
    });
    for (const [path, status] of [
      ['/private', 401],
      ['/admin', 403],
      ['/limited', 429],
    ] as const) {
      router.get(path, (ctx: KoaContext) => {
        ctx.status = status;
        ctx.body = { status };
      });
    }
    router.post('/login', async (ctx: KoaContext) => {
      await readBody(ctx.req);
      ctx.status = 401;
      ctx.body = { error: 'bad credentials' };
    });
    router.post('/echo', async (ctx: KoaContext) => {
      ctx.body = JSON.parse(await readBody(ctx.req));
    });
    router.get('/health', (ctx: KoaContext) => {
      ctx.body = { ok: true };
    });
    for (const r of routers) app.use(r.routes());
    return listen(createServer(app.callback()));
  },
};

const honoFramework: Framework = {
  name: 'hono',
  async start() {
    const { Hono } = await import('hono');
    const { serve } = await import('@hono/node-server');
    const app = new Hono();
    app.use('*', adapters.honoMiddleware() as never);
    app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
    const api = new Hono();
    api.get('/v1/items/:itemId', (c) => c.json({ itemId: c.req.param('itemId') }));
    app.route('/api', api);
    app.get('/orgs/:org/reports', (c) => c.json({ org: c.req.param('org') }));
    app.get('/boom', () => {
      throw new Error('kaboom');
    });
    app.get('/private', (c) => c.json({ error: 'unauthorized' }, 401));
    app.get('/admin', (c) => c.json({ error: 'forbidden' }, 403));
    app.get('/limited', (c) => c.json({ error: 'slow down' }, 429));
    app.post('/login', (c) => c.json({ error: 'bad credentials' }, 401));
    app.post('/echo', async (c) => c.json(await c.req.json()));
    app.get('/health', (c) => c.json({ ok: true }));
    app.onError((_err, c) => c.json({ error: 'internal' }, 500));
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    return { url: urlOf(server), close: () => closeServer(server) };
  },
};

async function nestFramework(platform: 'express' | 'fastify'): Promise<Framework> {
  const common = await import('@nestjs/common');
  const { BaseExceptionFilter, HttpAdapterHost, NestFactory } = await import('@nestjs/core');
  const { Get, Post, Body, HttpException, UseGuards } = common;
  const method = (decorator: MethodDecorator, target: object, name: string): void => {
    decorator(target, name, Object.getOwnPropertyDescriptor(target, name) as PropertyDescriptor);
  };
  type Req = { params: Record<string, string> };

  class UsersController {
    user(req: Req) {
      return { id: req.params.id };
    }
    reports(req: Req) {
      return { org: req.params.org };
    }
    boom(): never {
      throw new Error('kaboom');
    }
    private_(): never {
      throw new HttpException({ error: 'unauthorized' }, 401);
    }
    admin(): never {
      throw new HttpException({ error: 'forbidden' }, 403);
    }
    limited(): never {
      throw new HttpException({ error: 'slow down' }, 429);
    }
    login(): never {
      throw new HttpException({ error: 'bad credentials' }, 401);
    }
    echo(body: unknown) {
      return body;
    }
    health() {
      return { ok: true };
    }
    guarded() {
      return { ok: true };
    }
  }
  const p = UsersController.prototype;
  method(Get('private'), p, 'private_');
  method(Get('admin'), p, 'admin');
  method(Get('limited'), p, 'limited');
  method(Post('login'), p, 'login');
  method(Post('echo'), p, 'echo');
  Body()(p, 'echo', 0);
  method(Get('health'), p, 'health');
  const failingGuard = {
    canActivate(): boolean {
      throw new Error('guard failed');
    },
  };
  method(UseGuards(failingGuard), p, 'guarded');
  method(Get('guarded'), p, 'guarded');
  const AppModule = nestAppModule(common, UsersController);

  return {
    name: `nest-${platform}`,
    async start() {
      let adapter: unknown;
      if (platform === 'express') {
        const { ExpressAdapter } = await import('@nestjs/platform-express');
        adapter = new ExpressAdapter();
      } else {
        const { FastifyAdapter } = await import('@nestjs/platform-fastify');
        adapter = new FastifyAdapter();
      }
      const app = await NestFactory.create(AppModule, adapter as never, { logger: false });
      app.useGlobalInterceptors(adapters.nestInterceptor() as never);
      app.useGlobalFilters(
        adapters.nestExceptionFilter(
          new BaseExceptionFilter(app.get(HttpAdapterHost).httpAdapter) as never,
        ) as never,
      );
      await app.listen(0, '127.0.0.1');
      const server = app.getHttpServer() as Server;
      return { url: urlOf(server), close: () => app.close() };
    },
  };
}

export async function allFrameworks(): Promise<Framework[]> {
  return [
    nodeHttp,
    await expressFramework('express4', 'express4'),
    await expressFramework('express5', 'express'),
    fastifyFramework,
    koaFramework,
    honoFramework,
    await nestFramework('express'),
    await nestFramework('fastify'),
  ];
}
