/**
 * `node --import @otel-lifeline/node/register app.js` (ESM or CommonJS apps) and
 * `node --require @otel-lifeline/node/register app.js` (CommonJS, through register.cjs).
 * Configuration comes from the environment or LIFELINE_CONFIG_FILE; nothing here throws:
 * problems are printed on stderr and the app runs with telemetry degraded or off.
 * No top-level await, so require() can load this module on Node >= 20.19.
 */
import { start } from './start.js';

start();
