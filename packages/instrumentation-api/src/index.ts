export { instrumentApi } from './instrument-api.js';
export type { InstrumentApiHandle } from './instrument-api.js';
export type { SecurityEventInput } from './security-events.js';
export type { AuditEventInput } from './audit-events.js';
export { DEFAULT_IGNORE_PATHS } from './options.js';
export type { InstrumentApiOptions, ConsumerIdentity, AuditRule } from './options.js';
export type { TrustProxy } from './client-address.js';
export type { RoutePattern } from './route-pattern.js';
export type { BruteForceOptions } from './brute-force-detector.js';
export { EVENT_ACCESS, EVENT_EXCEPTION, EVENT_AUDIT, SECURITY_PREFIX } from './api-events.js';
export type { Severity } from './api-events.js';
export { DURATION_BUCKETS_S } from './http-metrics.js';
export { createHttpMetricsProducer } from './http-metrics-producer.js';
export type {
  HttpMetricsProducer,
  HttpMetricsProducerOptions,
  HttpServerSample,
} from './http-metrics-producer.js';
export { setHttpRoute, recordRequestError } from './request-record.js';
export { createRedactor, MASK, REDACTION_OBSERVE_CHANNEL } from './redactor.js';
export type {
  Redactor,
  RedactionMode,
  RedactionOptions,
  PersonalDataMode,
  RedactedField,
  RedactionObserver,
} from './redactor.js';
export { createRedactingAttributesProcessor } from './redacting-metrics.js';
export type { MetricAttributesProcessor } from './redacting-metrics.js';
export { SEMCONV_SENSITIVE_QUERY_KEYS, CREDENTIAL_HEADERS } from './sensitive-keys.js';
export { createRedactingLogRecordProcessor } from './redacting-log-record-processor.js';
export type { RedactingProcessorOptions } from './redacting-log-record-processor.js';
export { createRedactingSpanProcessor } from './redacting-span-processor.js';
export { INSTRUMENTATION_SCOPE } from './scope.js';
export { InstrumentationError } from './errors.js';
export type { InstrumentationErrorCode } from './errors.js';
export { expressAdapter } from './adapters/express-adapter.js';
export type { ExpressAdapter } from './adapters/express-adapter.js';
export { fastifyPlugin } from './adapters/fastify-plugin.js';
export { koaMiddleware } from './adapters/koa-middleware.js';
export { honoMiddleware } from './adapters/hono-middleware.js';
export { nestExceptionFilter, nestInterceptor } from './adapters/nest-interceptor.js';
export type { NestExceptionFilterLike, NestInterceptorLike } from './adapters/nest-interceptor.js';
