import { run } from './harness.mjs';
import { nestApp } from './apps.mjs';

/**
 * Serves the Nest test app on the platform named by argv[2] (express by default, or fastify).
 * `load` imports a package as seen from the calling major's folder, so each nestNN/serve.mjs runs
 * its own Nest version.
 */
export async function serveNest(load) {
  const core = await load('@nestjs/core');
  const common = await load('@nestjs/common');
  const platform =
    process.argv[2] === 'fastify'
      ? new (await load('@nestjs/platform-fastify')).FastifyAdapter()
      : new (await load('@nestjs/platform-express')).ExpressAdapter();
  await run((adapters) => nestApp({ core, common, platform }, adapters));
}
