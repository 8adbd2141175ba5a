import type { Attributes } from '@opentelemetry/api';
import type { HttpMetrics } from './http-metrics.js';
import type { HttpMetricsProducer, HttpServerSample } from './http-metrics-producer.js';

/**
 * Records the HTTP server histograms for every request, sampled or not: through the app's
 * `metricsProducer` when one is given, else through the Metrics SDK's instruments.
 */
export function createRequestMetrics(
  metrics: HttpMetrics,
  producer: HttpMetricsProducer | undefined,
  bodySize: boolean,
): (sample: HttpServerSample) => void {
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
    metrics.duration?.record(sample.durationS, attributes);
    if (sample.requestSize !== undefined) metrics.requestBodySize?.record(sample.requestSize, attributes);
    if (sample.responseSize !== undefined) metrics.responseBodySize?.record(sample.responseSize, attributes);
  };
}
