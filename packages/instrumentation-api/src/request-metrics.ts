import type { Attributes, Context } from '@opentelemetry/api';
import type { HttpMetrics } from './http-metrics.js';
import type { HttpMetricsProducer, HttpServerSample } from './http-metrics-producer.js';

/**
 * Records the HTTP server histograms for every request, sampled or not: through the app's
 * `metricsProducer` when one is given, else through the Metrics SDK's instruments, in the
 * request's context (its span, for exemplars), which need not be the active one when the
 * requests are reported in a batch.
 */
export function createRequestMetrics(
  metrics: HttpMetrics,
  producer: HttpMetricsProducer | undefined,
  bodySize: boolean,
): (sample: HttpServerSample & { readonly context?: Context }) => void {
  if (producer !== undefined) return (sample) => producer.recordRequest(sample, bodySize);
  return (sample) => {
    const attributes: Attributes = {
      'http.request.method': sample.method,
      'url.scheme': sample.scheme,
      'network.protocol.version': sample.protocolVersion,
    };
    if (sample.status !== undefined) attributes['http.response.status_code'] = sample.status;
    if (sample.route !== undefined) attributes['http.route'] = sample.route;
    if (sample.errorType !== undefined) attributes['error.type'] = sample.errorType;
    const context = sample.context;
    metrics.duration?.record(sample.durationS, attributes, context);
    if (sample.requestSize !== undefined)
      metrics.requestBodySize?.record(sample.requestSize, attributes, context);
    if (sample.responseSize !== undefined)
      metrics.responseBodySize?.record(sample.responseSize, attributes, context);
  };
}
