import { ValueType } from '@opentelemetry/api';
import type {
  DataPoint,
  ExponentialHistogram as SdkExponentialHistogram,
  Histogram as SdkHistogram,
  MetricData,
  ResourceMetrics as SdkResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { joinSigned, split, splitInt64 } from './int64.js';
import type {
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
} from './metrics-types.js';
import { SdkDataPointType, otlpTemporality } from './resource-metrics-encoder.js';
import { toResource, toScope } from './sdk-grouping.js';
import { compact, hrTimeToNanos, toKeyValues } from './sdk-value-converter.js';
import { countValue } from './sdk-value-writer.js';

/** SDK ResourceMetrics → an ExportMetricsServiceRequest object (the same content as `encodeResourceMetrics`). */
export function resourceMetricsToOtlp(resourceMetrics: SdkResourceMetrics): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource: toResource(resourceMetrics.resource),
        scopeMetrics: resourceMetrics.scopeMetrics.map((scopeMetrics) => ({
          scope: toScope(scopeMetrics.scope),
          metrics: scopeMetrics.metrics.map(toMetric),
          ...(scopeMetrics.scope.schemaUrl ? { schemaUrl: scopeMetrics.scope.schemaUrl } : {}),
        })),
        ...(resourceMetrics.resource.schemaUrl ? { schemaUrl: resourceMetrics.resource.schemaUrl } : {}),
      },
    ],
  };
}

function count(n: number): string | undefined {
  const v = countValue(n);
  return v ? String(v) : undefined;
}

function toMetric(metric: MetricData): Metric {
  const { name, description, unit, valueType } = metric.descriptor;
  const out = compact<Metric>({
    name: name || undefined,
    description: description || undefined,
    unit: unit || undefined,
  });
  const aggregationTemporality = otlpTemporality(metric.aggregationTemporality) || undefined;
  switch (metric.dataPointType as number) {
    case SdkDataPointType.GAUGE:
      out.gauge = {
        dataPoints: (metric.dataPoints as DataPoint<number>[]).map((p) => toNumberPoint(p, valueType)),
      };
      break;
    case SdkDataPointType.SUM:
      out.sum = compact({
        dataPoints: (metric.dataPoints as DataPoint<number>[]).map((p) => toNumberPoint(p, valueType)),
        aggregationTemporality,
        isMonotonic: (metric as { isMonotonic?: boolean }).isMonotonic || undefined,
      });
      break;
    case SdkDataPointType.HISTOGRAM:
      out.histogram = compact({
        dataPoints: (metric.dataPoints as DataPoint<SdkHistogram>[]).map(toHistogramPoint),
        aggregationTemporality,
      });
      break;
    case SdkDataPointType.EXPONENTIAL_HISTOGRAM:
      out.exponentialHistogram = compact({
        dataPoints: (metric.dataPoints as DataPoint<SdkExponentialHistogram>[]).map(
          toExponentialHistogramPoint,
        ),
        aggregationTemporality,
      });
      break;
    default:
      break;
  }
  return out;
}

function toNumberPoint(point: DataPoint<number>, valueType: ValueType): NumberDataPoint {
  const asInt =
    valueType === ValueType.INT && Number.isFinite(point.value) && !splitInt64(Math.trunc(point.value), true);
  return compact<NumberDataPoint>({
    startTimeUnixNano: hrTimeToNanos(point.startTime),
    timeUnixNano: hrTimeToNanos(point.endTime),
    asDouble: asInt ? undefined : point.value,
    asInt: asInt ? joinSigned(split.lo, split.hi) : undefined,
    attributes: toKeyValues(point.attributes),
  });
}

function toHistogramPoint(point: DataPoint<SdkHistogram>): HistogramDataPoint {
  const h = point.value;
  return compact<HistogramDataPoint>({
    startTimeUnixNano: hrTimeToNanos(point.startTime),
    timeUnixNano: hrTimeToNanos(point.endTime),
    count: count(h.count),
    sum: h.sum,
    bucketCounts:
      h.buckets.counts.length > 0 ? h.buckets.counts.map((c) => String(countValue(c))) : undefined,
    explicitBounds: h.buckets.boundaries.length > 0 ? [...h.buckets.boundaries] : undefined,
    attributes: toKeyValues(point.attributes),
    min: h.min,
    max: h.max,
  });
}

function toBuckets(buckets: { offset: number; bucketCounts: number[] }): ExponentialHistogramBuckets {
  return compact<ExponentialHistogramBuckets>({
    offset: buckets.offset || undefined,
    bucketCounts:
      buckets.bucketCounts.length > 0 ? buckets.bucketCounts.map((c) => String(countValue(c))) : undefined,
  });
}

function toExponentialHistogramPoint(
  point: DataPoint<SdkExponentialHistogram>,
): ExponentialHistogramDataPoint {
  const h = point.value;
  return compact<ExponentialHistogramDataPoint>({
    attributes: toKeyValues(point.attributes),
    startTimeUnixNano: hrTimeToNanos(point.startTime),
    timeUnixNano: hrTimeToNanos(point.endTime),
    count: count(h.count),
    sum: h.sum,
    scale: h.scale || undefined,
    zeroCount: count(h.zeroCount),
    positive: toBuckets(h.positive),
    negative: toBuckets(h.negative),
    min: h.min,
    max: h.max,
  });
}
