import type { InstrumentationScope, KeyValue, Resource } from './common-types.js';

export interface ExportMetricsServiceRequest {
  resourceMetrics: ResourceMetrics[];
}

export interface ResourceMetrics {
  resource?: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl?: string;
}

export interface ScopeMetrics {
  scope?: InstrumentationScope;
  metrics: Metric[];
  schemaUrl?: string;
}

/** Exactly one of gauge, sum, histogram, exponentialHistogram and summary is set (a oneof). */
export interface Metric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: Gauge;
  sum?: Sum;
  histogram?: Histogram;
  exponentialHistogram?: ExponentialHistogram;
  summary?: Summary;
  metadata?: KeyValue[];
}

export interface Gauge {
  dataPoints: NumberDataPoint[];
}

export interface Sum {
  dataPoints: NumberDataPoint[];
  /** AggregationTemporality enum: 0 unspecified, 1 delta, 2 cumulative. */
  aggregationTemporality?: number;
  isMonotonic?: boolean;
}

export interface Histogram {
  dataPoints: HistogramDataPoint[];
  aggregationTemporality?: number;
}

export interface ExponentialHistogram {
  dataPoints: ExponentialHistogramDataPoint[];
  aggregationTemporality?: number;
}

export interface Summary {
  dataPoints: SummaryDataPoint[];
}

/** At most one of asDouble and asInt is set (a oneof). */
export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  /** sfixed64 as a decimal string. */
  asInt?: string;
  exemplars?: Exemplar[];
  flags?: number;
}

export interface HistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  /** fixed64 counts as decimal strings. */
  bucketCounts?: string[];
  explicitBounds?: number[];
  exemplars?: Exemplar[];
  flags?: number;
  min?: number;
  max?: number;
}

export interface ExponentialHistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  scale?: number;
  zeroCount?: string;
  positive?: ExponentialHistogramBuckets;
  negative?: ExponentialHistogramBuckets;
  flags?: number;
  exemplars?: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold?: number;
}

/** `ExponentialHistogramDataPoint.Buckets` in the proto. */
export interface ExponentialHistogramBuckets {
  offset?: number;
  /** uint64 counts as decimal strings. */
  bucketCounts?: string[];
}

export interface SummaryDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  quantileValues?: ValueAtQuantile[];
  flags?: number;
}

/** `SummaryDataPoint.ValueAtQuantile` in the proto. */
export interface ValueAtQuantile {
  quantile?: number;
  value?: number;
}

/** At most one of asDouble and asInt is set (a oneof). */
export interface Exemplar {
  filteredAttributes?: KeyValue[];
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string;
  spanId?: string;
  traceId?: string;
}
