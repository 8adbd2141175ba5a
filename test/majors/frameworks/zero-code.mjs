// `--import` entry of the zero-code runs: the module hooks and the ESM loader hook, registered as
// @otel-lifeline/node registers them, and OpenTelemetry's diagnostics on stderr.
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  createFrameworkInstrumentations,
  registerFrameworkLoaderHook,
} from '@otel-lifeline/instrumentation-api/module-hooks';

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
registerFrameworkLoaderHook();
registerInstrumentations({ instrumentations: createFrameworkInstrumentations() });
