export { loadConfig } from './config/load-config.js';
export type { LoadConfigOptions } from './config/load-config.js';
export { formatProblem } from './config/config-problem.js';
export type { ConfigProblem } from './config/config-problem.js';
export { parseConfigText, readConfigFile } from './config/read-config-file.js';
export { substituteEnv } from './config/substitute-env.js';
export { parseDuration, parseSize } from './config/parse-values.js';
export { ENV_KEYS } from './config/env-keys.js';
export type {
  LoadedConfig,
  ResolvedConfig,
  ResolvedEndpoint,
  SignalEndpoint,
  Signal,
} from './config/config-types.js';
export { CONFIG_SCHEMA_URL } from './config/validate-schema.js';
export { LifelineConfigError } from './errors.js';
export { start } from './start.js';
export type { Lifeline, StartOptions } from './start.js';
export { runCli } from './cli/run-cli.js';
// The framework adapters, for apps that wire them by hand (the register entry applies them itself
// through module hooks), so the distribution alone is enough.
export {
  expressAdapter,
  fastifyPlugin,
  honoMiddleware,
  koaMiddleware,
  nestExceptionFilter,
  nestInterceptor,
} from '@otel-lifeline/instrumentation-api';
export type {
  ExpressAdapter,
  NestExceptionFilterLike,
  NestInterceptorLike,
} from '@otel-lifeline/instrumentation-api';
