import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';

/** Semantic-convention bucket boundaries for `http.server.request.duration` (seconds). */
export const DURATION_BUCKETS_S: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface HttpMetrics {
  readonly duration: Histogram;
  readonly activeRequests: UpDownCounter;
  readonly requestBodySize: Histogram;
  readonly responseBodySize: Histogram;
  readonly securityEvents: Counter;
}

export function createHttpMetrics(meter: Meter): HttpMetrics {
  return {
    duration: meter.createHistogram('http.server.request.duration', {
      unit: 's',
      description: 'Duration of HTTP server requests.',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] },
    }),
    activeRequests: meter.createUpDownCounter('http.server.active_requests', {
      unit: '{request}',
      description: 'Number of active HTTP server requests.',
    }),
    requestBodySize: meter.createHistogram('http.server.request.body.size', {
      unit: 'By',
      description: 'Size of HTTP server request bodies.',
    }),
    responseBodySize: meter.createHistogram('http.server.response.body.size', {
      unit: 'By',
      description: 'Size of HTTP server response bodies.',
    }),
    securityEvents: meter.createCounter('lifeline.security.events', {
      unit: '{event}',
      description: 'Security events emitted, by event name.',
    }),
  };
}

export type { Attributes };
