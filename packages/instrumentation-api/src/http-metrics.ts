import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';

/** Semantic-convention bucket boundaries for `http.server.request.duration` (seconds). */
export const DURATION_BUCKETS_S: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export interface HttpMetrics {
  /** Undefined when a metrics producer aggregates the histograms instead. */
  readonly duration: Histogram | undefined;
  /** In-flight requests by method and scheme; observed at collection time. */
  readonly activeRequests: ActiveRequests;
  /** Only with `bodySizeMetrics: true`. */
  readonly requestBodySize: Histogram | undefined;
  readonly responseBodySize: Histogram | undefined;
  readonly securityEvents: Counter;
}

/**
 * `http.server.active_requests` is an asynchronous UpDownCounter over plain counters kept here:
 * a request start and end cost one Map lookup each instead of two attribute-set hashes in the
 * SDK, and the exported data (a non-monotonic cumulative sum per method and scheme) is the same.
 */
export interface ActiveRequests {
  /** The entry for a method and scheme; keep it to decrement the same one. */
  entry(method: string, scheme: 'http' | 'https'): ActiveEntry;
}
export interface ActiveEntry {
  count: number;
  /** The request's `http.request.method` and `url.scheme`, as counted. */
  readonly method: string;
  readonly scheme: 'http' | 'https';
  readonly attributes: Attributes;
}

export function createHttpMetrics(
  meter: Meter,
  options: { bodySize: boolean; histogramsElsewhere: boolean },
): HttpMetrics {
  const sdkHistograms = !options.histogramsElsewhere;
  const entries: ActiveEntry[] = [];
  const byScheme: Record<'http' | 'https', Map<string, ActiveEntry>> = { http: new Map(), https: new Map() };
  const activeRequests: ActiveRequests = {
    entry(method, scheme) {
      const map = byScheme[scheme];
      let entry = map.get(method);
      if (entry === undefined) {
        entry = {
          count: 0,
          method,
          scheme,
          attributes: { 'http.request.method': method, 'url.scheme': scheme },
        };
        map.set(method, entry);
        entries.push(entry);
      }
      return entry;
    },
  };
  meter
    .createObservableUpDownCounter('http.server.active_requests', {
      unit: '{request}',
      description: 'Number of active HTTP server requests.',
    })
    .addCallback((result: ObservableResult) => {
      for (const entry of entries) result.observe(entry.count, entry.attributes);
    });
  return {
    duration: sdkHistograms
      ? meter.createHistogram('http.server.request.duration', {
          unit: 's',
          description: 'Duration of HTTP server requests.',
          advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] },
        })
      : undefined,
    activeRequests,
    requestBodySize:
      sdkHistograms && options.bodySize
        ? meter.createHistogram('http.server.request.body.size', {
            unit: 'By',
            description: 'Size of HTTP server request bodies.',
          })
        : undefined,
    responseBodySize:
      sdkHistograms && options.bodySize
        ? meter.createHistogram('http.server.response.body.size', {
            unit: 'By',
            description: 'Size of HTTP server response bodies.',
          })
        : undefined,
    securityEvents: meter.createCounter('lifeline.security.events', {
      unit: '{event}',
      description: 'Security events emitted, by event name.',
    }),
  };
}

export type { Attributes };
