/**
 * `node --import @otel-lifeline/node/register app.js` (ESM or CommonJS apps) and
 * `node --require @otel-lifeline/node/register app.js` (CommonJS, through register.cjs).
 * Configuration comes from the environment or LIFELINE_CONFIG_FILE; nothing here throws:
 * problems are printed on stderr and the app runs with telemetry degraded or off.
 * No top-level await, so require() can load this module on Node >= 20.19.
 *
 * Start-up time: Node's on-disk compile cache is turned on before the SDK is loaded, so later
 * starts reuse the compiled code instead of compiling it again. Only `node:` built-ins are
 * imported statically here; the rest is loaded with require() (synchronously, so the hooks are
 * still in place before the app's first line) after the cache is on.
 */
import { createRequire } from 'node:module';
import { enableCompileCache } from './compile-cache.js';
import type * as StartModule from './start.js';

enableCompileCache();
try {
  const { start } = createRequire(import.meta.url)('./start.js') as typeof StartModule;
  start();
} catch (error) {
  process.stderr.write(
    `[lifeline] could not start: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`,
  );
}
