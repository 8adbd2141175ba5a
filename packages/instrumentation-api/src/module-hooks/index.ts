import type { Instrumentation } from '@opentelemetry/instrumentation';
import { createExpressInstrumentation } from './express-instrumentation.js';
import { createHonoInstrumentation } from './hono-instrumentation.js';
import { createKoaInstrumentation } from './koa-instrumentation.js';
import { createNestInstrumentation } from './nest-instrumentation.js';

export { createExpressInstrumentation } from './express-instrumentation.js';
export { createHonoInstrumentation } from './hono-instrumentation.js';
export { createKoaInstrumentation } from './koa-instrumentation.js';
export { createNestInstrumentation } from './nest-instrumentation.js';
export { FRAMEWORK_MODULES, registerFrameworkLoaderHook } from './loader-hook.js';

/**
 * Route templates and caught errors for Express 4/5, Koa 2/3 (+ @koa/router), NestJS 10–12 and
 * Hono 4 with no code change: OpenTelemetry instrumentations (require-in-the-middle and
 * import-in-the-middle module hooks) that apply the package's one-line adapters to every app.
 * Fastify needs none of this: it announces each instance on a diagnostics channel.
 */
export function createFrameworkInstrumentations(): Instrumentation[] {
  return [
    createExpressInstrumentation(),
    createKoaInstrumentation(),
    createHonoInstrumentation(),
    createNestInstrumentation(),
  ];
}
