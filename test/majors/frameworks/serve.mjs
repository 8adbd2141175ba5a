// node [--import ./zero-code.mjs] serve.mjs <app>   (the apps are the keys of STARTS below)
// Some majors are loaded with require() and some with import, so both module hooks are exercised.
import { createRequire } from 'node:module';
import { run } from './harness.mjs';
import { expressApp, expressRouterErrorsApp, honoApp, koaApp, legacyExpressApp } from './apps.mjs';

const require = createRequire(import.meta.url);
const STARTS = {
  express3: () => legacyExpressApp(require('express3')),
  express4: (adapters) => expressApp(require('express4'), adapters),
  express5: async (adapters) => expressApp((await import('express5')).default, adapters),
  'express4-router-errors': () => expressRouterErrorsApp(require('express4')),
  'express5-router-errors': async () => expressRouterErrorsApp((await import('express5')).default),
  koa2: (adapters) => koaApp(require('koa2'), require('@koa/router'), adapters),
  koa3: async (adapters) =>
    koaApp((await import('koa3')).default, (await import('@koa/router')).default, adapters),
  hono4: async (adapters) => honoApp(await import('hono4'), await import('@hono/node-server'), adapters),
  'hono4-cjs': (adapters) => honoApp(require('hono4'), require('@hono/node-server'), adapters),
};

const start = STARTS[process.argv[2]];
if (start === undefined)
  throw new Error(
    `serve.mjs: unknown app ${process.argv[2]}; expected one of ${Object.keys(STARTS).join(', ')}`,
  );
await run(start);
