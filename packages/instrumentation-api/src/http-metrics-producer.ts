import { ValueType } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import type {
  AggregationTemporality,
  CollectionResult,
  DataPointType,
  HistogramMetricData,
  MetricProducer,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { argumentError } from './errors.js';
import { hrTimeFromMillis } from './hr-time.js';
import { DURATION_BUCKETS_S } from './http-metrics.js';
import type { Redactor } from './redactor.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

// The SDK's enum values, written out so that this module does not load @opentelemetry/sdk-metrics
// at run time (the app's MeterProvider brings its own copy).
const HISTOGRAM = 0 as DataPointType.HISTOGRAM;
const DELTA = 0 as AggregationTemporality;
const CUMULATIVE = 1 as AggregationTemporality;

/** The SDK's default explicit bucket boundaries, what the body-size histograms get without advice. */
const DEFAULT_BUCKETS: readonly number[] = [
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
];

export interface HttpMetricsProducerOptions {
  /**
   * What the reader's exporter asks for histograms. Default 'cumulative'. With 'delta' each
   * `collect()` reports what was recorded since the previous one, so give each reader its own
   * producer.
   */
  temporality?: 'cumulative' | 'delta';
  /** The redaction policy the series' attributes pass through (once, when a series is created). */
  redactor?: Redactor;
}

/**
 * The HTTP server histograms (`http.server.request.duration` and, with `bodySizeMetrics`, the
 * body sizes), aggregated by the instrumentation itself and handed to a metric reader as a
 * `MetricProducer` — what the OpenTelemetry SDK offers for metrics aggregated outside it.
 *
 * Why: `Histogram.record` through the SDK hashes the attribute set on every call (sorting its
 * keys and serialising it), which costs more than the rest of the request's instrumentation.
 * Here a request's series is found through maps keyed by the few values that make it up, and
 * the attribute object is built once per series. The data exported is the same: same names,
 * units, descriptions, attributes and bucket boundaries as the SDK path (checked by a test that
 * runs both).
 *
 * Wiring: pass it to the reader (`new PeriodicExportingMetricReader({ exporter,
 * metricProducers: [producer] })`) and to `instrumentApi({ metricsProducer: producer })`;
 * `@otel-lifeline/node` does both. Views do not apply to these histograms, as to any producer's.
 */
export interface HttpMetricsProducer extends MetricProducer {
  /** @internal Records one finished request (the body sizes only when `bodySize`). */
  recordRequest(sample: HttpServerSample, bodySize: boolean): void;
}

/** What the HTTP server histograms need of one finished request. */
export interface HttpServerSample {
  readonly durationS: number;
  readonly method: string;
  readonly scheme: string;
  readonly protocolVersion: string;
  /** The status sent; undefined when the request was aborted before a response went out. */
  readonly status: number | undefined;
  readonly route: string | undefined;
  readonly errorType: string | undefined;
  readonly requestSize: number | undefined;
  readonly responseSize: number | undefined;
}

/** One attribute set's histogram. */
class Series {
  readonly counts: number[];
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    const b = this.boundaries;
    // Buckets are (previous, boundary]: the first boundary not below the value.
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}

/**
 * The series of one instrument, found through nested maps keyed by the values that make up the
 * attribute set (route, method, status, then scheme, protocol version and error type), never by
 * a string built per request: the route and method strings are the same objects request after
 * request, so the maps find them by a cached hash, and the status is a small integer. Building
 * one joined key per request cost a string allocation, its flattening and hashing, about 0.2 µs.
 */
type SeriesTree = Map<string | undefined, Map<string, Map<number | undefined, Map<string, Series>>>>;

class Instrument {
  readonly series: Series[] = [];
  private readonly tree: SeriesTree = new Map();

  constructor(
    readonly name: string,
    readonly unit: string,
    readonly description: string,
    readonly boundaries: readonly number[],
    private readonly redactor: Redactor | undefined,
  ) {}

  record(
    route: string | undefined,
    method: string,
    status: number | undefined,
    scheme: string,
    protocolVersion: string,
    errorType: string | undefined,
    value: number,
  ): void {
    let byMethod = this.tree.get(route);
    if (byMethod === undefined) this.tree.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let byRest = byStatus.get(status);
    if (byRest === undefined) byStatus.set(status, (byRest = new Map()));
    // Nearly always 'http' + '1.1' without an error type: the common case keys on the version alone.
    const rest =
      scheme === 'http' && errorType === undefined
        ? protocolVersion
        : `${scheme} ${protocolVersion} ${errorType ?? ''}`;
    let s = byRest.get(rest);
    if (s === undefined) {
      const attributes: Attributes = {
        'http.request.method': method,
        'url.scheme': scheme,
        'network.protocol.version': protocolVersion,
      };
      if (status !== undefined) attributes['http.response.status_code'] = status;
      if (route !== undefined) attributes['http.route'] = route;
      if (errorType !== undefined) attributes['error.type'] = errorType;
      s = new Series(this.redactor?.redactedAttributes(attributes) ?? attributes, this.boundaries);
      byRest.set(rest, s);
      this.series.push(s);
    }
    s.record(value);
  }

  clear(): void {
    this.series.length = 0;
    this.tree.clear();
  }

  data(temporality: AggregationTemporality, startTime: HrTime, endTime: HrTime): HistogramMetricData {
    const dataPoints = this.series.map((s) => ({
      attributes: s.attributes,
      startTime,
      endTime,
      value: {
        buckets: { boundaries: [...this.boundaries], counts: [...s.counts] },
        count: s.count,
        sum: s.sum,
        min: s.min,
        max: s.max,
      },
    }));
    return {
      descriptor: {
        name: this.name,
        unit: this.unit,
        description: this.description,
        valueType: ValueType.DOUBLE,
      },
      aggregationTemporality: temporality,
      dataPointType: HISTOGRAM,
      dataPoints,
    };
  }
}

export function createHttpMetricsProducer(options: HttpMetricsProducerOptions = {}): HttpMetricsProducer {
  if (options === null || typeof options !== 'object')
    throw argumentError('options', options, '{ temporality? }');
  const temporality = options.temporality ?? 'cumulative';
  if (temporality !== 'cumulative' && temporality !== 'delta')
    throw argumentError('temporality', temporality, "'cumulative' or 'delta'");
  const delta = temporality === 'delta';
  const duration = new Instrument(
    'http.server.request.duration',
    's',
    'Duration of HTTP server requests.',
    DURATION_BUCKETS_S,
    options.redactor,
  );
  const requestBody = new Instrument(
    'http.server.request.body.size',
    'By',
    'Size of HTTP server request bodies.',
    DEFAULT_BUCKETS,
    options.redactor,
  );
  const responseBody = new Instrument(
    'http.server.response.body.size',
    'By',
    'Size of HTTP server response bodies.',
    DEFAULT_BUCKETS,
    options.redactor,
  );
  const instruments = [duration, requestBody, responseBody];
  let startMs = Date.now();

  return {
    recordRequest(sample, bodySize) {
      const { route, method, status, scheme, protocolVersion, errorType } = sample;
      duration.record(route, method, status, scheme, protocolVersion, errorType, sample.durationS);
      if (!bodySize) return;
      if (sample.requestSize !== undefined)
        requestBody.record(route, method, status, scheme, protocolVersion, errorType, sample.requestSize);
      if (sample.responseSize !== undefined)
        responseBody.record(route, method, status, scheme, protocolVersion, errorType, sample.responseSize);
    },
    collect(): Promise<CollectionResult> {
      const nowMs = Date.now();
      const start = hrTimeFromMillis(startMs);
      const end = hrTimeFromMillis(nowMs);
      const metrics = instruments
        .filter((i) => i.series.length > 0)
        .map((i) => i.data(delta ? DELTA : CUMULATIVE, start, end));
      if (delta) {
        for (const i of instruments) i.clear();
        startMs = nowMs;
      }
      const resourceMetrics = {
        // The reader keeps the resource of its SDK producer and takes only scopeMetrics from others.
        resource: undefined,
        scopeMetrics:
          metrics.length === 0
            ? []
            : [{ scope: { name: INSTRUMENTATION_SCOPE, version: INSTRUMENTATION_VERSION }, metrics }],
      } as unknown as ResourceMetrics;
      return Promise.resolve({ resourceMetrics, errors: [] });
    },
  };
}
