/**
 * `node --import @otel-lifeline/node/register app.js` (ESM or CommonJS apps) and
 * `node --require @otel-lifeline/node/register app.js` (CommonJS, through register.cjs).
 * Configuration comes from the environment or LIFELINE_CONFIG_FILE; nothing here throws:
 * problems are printed on stderr and the app runs with telemetry degraded or off.
 * No top-level await, so require() can load this module on Node >= 20.19.
 *
 * Start-up time (bench/lifecycle.js):
 * - OTEL_SDK_DISABLED=true (and no configuration file, which would decide instead) returns before
 *   anything else is loaded.
 * - Node's on-disk compile cache is turned on before the SDK is loaded, so later starts reuse the
 *   compiled code instead of compiling it again.
 * - The SDK comes from one bundled module (load-start.ts chooses it; scripts/bundle-register.mjs
 *   builds it) rather than about 400 files.
 * Only `node:` built-ins are imported statically here; the rest is loaded with require()
 * (synchronously, so the hooks are in place before the app's first line).
 */
import { enableCompileCache } from './compile-cache.js';
import { disabledByEnvironment } from './disabled-by-environment.js';
import { loadStart } from './load-start.js';

const disabled = disabledByEnvironment(process.env);
if (disabled.line !== undefined) process.stderr.write(`${disabled.line}\n`);
if (!disabled.off) {
  enableCompileCache();
  try {
    loadStart().start();
  } catch (error) {
    process.stderr.write(
      `[lifeline] could not start: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`,
    );
  }
}
