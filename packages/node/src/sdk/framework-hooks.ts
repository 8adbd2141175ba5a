import diagnosticsChannel from 'node:diagnostics_channel';
import { fastifyPlugin } from '@otel-lifeline/instrumentation-api';

/**
 * Route templates without code changes where a framework announces itself: Fastify publishes
 * every new instance on the `fastify.initialization` channel, so its adapter is registered there
 * (as `@fastify/otel` does). Other frameworks need their one-line adapter for `http.route`.
 */
export function installFrameworkHooks(): () => void {
  const onFastify = (message: unknown) => {
    const fastify = (message as { fastify?: { addHook?: unknown } }).fastify;
    // Applied at once on the new root instance (the plugin is not encapsulated), so its hooks see
    // the routes the app declares next; `register()` would load it only after those routes.
    if (typeof fastify?.addHook === 'function') fastifyPlugin(fastify, {}, () => undefined);
  };
  diagnosticsChannel.subscribe('fastify.initialization', onFastify);
  return () => diagnosticsChannel.unsubscribe('fastify.initialization', onFastify);
}
