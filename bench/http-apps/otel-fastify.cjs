// The stock OpenTelemetry setup for a Fastify app (`node --require ./otel-fastify.cjs app.cjs`):
// NodeSDK with the http instrumentation and @fastify/otel, exporters chosen from the standard
// OTEL_* environment (the bench sets OTLP/HTTP protobuf for traces and metrics to its receiver).
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { FastifyOtelInstrumentation } = require('@fastify/otel');

const sdk = new NodeSDK({
  instrumentations: [
    new HttpInstrumentation(),
    new FastifyOtelInstrumentation({ registerOnInitialization: true }),
  ],
});
sdk.start();
process.once('SIGTERM', () => void sdk.shutdown());
