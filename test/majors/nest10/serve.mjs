// node [--import ../frameworks/zero-code.mjs] serve.mjs <express|fastify>
import 'reflect-metadata';
import { run } from '../frameworks/harness.mjs';
import { nestApp } from '../frameworks/apps.mjs';

const core = await import('@nestjs/core');
const common = await import('@nestjs/common');
const platform =
  process.argv[2] === 'fastify'
    ? new (await import('@nestjs/platform-fastify')).FastifyAdapter()
    : new (await import('@nestjs/platform-express')).ExpressAdapter();
await run((adapters) => nestApp({ core, common, platform }, adapters));
