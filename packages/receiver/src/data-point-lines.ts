import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExportMetricsServiceRequest,
  KeyValue,
  Metric,
} from '@otel-lifeline/otlp';
import {
  attributesOf,
  isoTime,
  plainDouble,
  plainInteger,
  setIfPresent,
  withContext,
  type JsonObject,
  type JsonValue,
} from './json-value.js';

const TEMPORALITIES = ['unspecified', 'delta', 'cumulative'];

interface CommonPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  flags?: number;
  exemplars?: Exemplar[];
}

/** One JSON-lines object per metric data point (the metric's fields repeated on each). */
export function dataPointLines(request: ExportMetricsServiceRequest): JsonObject[] {
  const lines: JsonObject[] = [];
  for (const resourceMetrics of request.resourceMetrics) {
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      for (const metric of scopeMetrics.metrics) {
        for (const line of metricLines(metric)) {
          lines.push(withContext(line, resourceMetrics.resource, scopeMetrics.scope));
        }
      }
    }
  }
  return lines;
}

function metricLines(metric: Metric): JsonObject[] {
  const head = (type: string, point: CommonPoint, temporality?: number, monotonic?: boolean): JsonObject => {
    const line: JsonObject = { signal: 'metrics' };
    setIfPresent(line, 'metric', metric.name);
    setIfPresent(line, 'description', metric.description);
    setIfPresent(line, 'unit', metric.unit);
    line['type'] = type;
    if (temporality !== undefined) line['temporality'] = TEMPORALITIES[temporality] ?? String(temporality);
    if (monotonic !== undefined) line['monotonic'] = monotonic;
    setIfPresent(line, 'start', isoTime(point.startTimeUnixNano));
    setIfPresent(line, 'time', isoTime(point.timeUnixNano));
    setIfPresent(line, 'attributes', attributesOf(point.attributes));
    return line;
  };
  const tail = (line: JsonObject, point: CommonPoint): JsonObject => {
    setIfPresent(line, 'exemplars', (point.exemplars ?? []).map(exemplarObject));
    if (point.flags) line['flags'] = point.flags;
    return line;
  };
  if (metric.gauge !== undefined) {
    return metric.gauge.dataPoints.map((point) =>
      tail({ ...head('gauge', point), value: numberValue(point) }, point),
    );
  }
  if (metric.sum !== undefined) {
    const sum = metric.sum;
    return sum.dataPoints.map((point) =>
      tail(
        {
          ...head('sum', point, sum.aggregationTemporality ?? 0, sum.isMonotonic ?? false),
          value: numberValue(point),
        },
        point,
      ),
    );
  }
  if (metric.histogram !== undefined) {
    const histogram = metric.histogram;
    return histogram.dataPoints.map((point) => {
      const line = head('histogram', point, histogram.aggregationTemporality ?? 0);
      line['count'] = plainInteger(point.count ?? '0');
      if (point.sum !== undefined) line['sum'] = plainDouble(point.sum);
      if (point.min !== undefined) line['min'] = plainDouble(point.min);
      if (point.max !== undefined) line['max'] = plainDouble(point.max);
      line['explicitBounds'] = (point.explicitBounds ?? []).map(plainDouble);
      line['bucketCounts'] = (point.bucketCounts ?? []).map(plainInteger);
      return tail(line, point);
    });
  }
  if (metric.exponentialHistogram !== undefined) {
    const histogram = metric.exponentialHistogram;
    return histogram.dataPoints.map((point) => {
      const line = head('exponentialHistogram', point, histogram.aggregationTemporality ?? 0);
      line['count'] = plainInteger(point.count ?? '0');
      if (point.sum !== undefined) line['sum'] = plainDouble(point.sum);
      if (point.min !== undefined) line['min'] = plainDouble(point.min);
      if (point.max !== undefined) line['max'] = plainDouble(point.max);
      line['scale'] = point.scale ?? 0;
      line['zeroCount'] = plainInteger(point.zeroCount ?? '0');
      if (point.zeroThreshold) line['zeroThreshold'] = point.zeroThreshold;
      line['positive'] = bucketsObject(point.positive);
      line['negative'] = bucketsObject(point.negative);
      return tail(line, point);
    });
  }
  if (metric.summary !== undefined) {
    return metric.summary.dataPoints.map((point) => {
      const line = head('summary', point);
      line['count'] = plainInteger(point.count ?? '0');
      line['sum'] = plainDouble(point.sum ?? 0);
      line['quantiles'] = (point.quantileValues ?? []).map((quantile) => ({
        quantile: plainDouble(quantile.quantile ?? 0),
        value: plainDouble(quantile.value ?? 0),
      }));
      return tail(line, point);
    });
  }
  return []; // a metric without data has no data point to show
}

function numberValue(point: { asDouble?: number; asInt?: string }): JsonValue {
  if (point.asInt !== undefined) return plainInteger(point.asInt);
  if (point.asDouble !== undefined) return plainDouble(point.asDouble);
  return null;
}

function bucketsObject(buckets: ExponentialHistogramBuckets | undefined): JsonObject {
  return { offset: buckets?.offset ?? 0, bucketCounts: (buckets?.bucketCounts ?? []).map(plainInteger) };
}

function exemplarObject(exemplar: Exemplar): JsonObject {
  const object: JsonObject = {};
  setIfPresent(object, 'time', isoTime(exemplar.timeUnixNano));
  object['value'] = numberValue(exemplar);
  setIfPresent(object, 'traceId', exemplar.traceId);
  setIfPresent(object, 'spanId', exemplar.spanId);
  setIfPresent(object, 'filteredAttributes', attributesOf(exemplar.filteredAttributes));
  return object;
}
