import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  InstrumentationScope,
  KeyValue,
  Metric,
  Resource,
  Signal,
} from '@otel-lifeline/otlp';
import {
  durationMs,
  isoTime,
  plainAttributes,
  plainDouble,
  plainInteger,
  plainResource,
  plainScope,
  plainValue,
  setIfPresent,
  type JsonValue,
} from './json-value.js';

type JsonObject = { [key: string]: JsonValue };

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES = ['unset', 'ok', 'error'];
const TEMPORALITIES = ['unspecified', 'delta', 'cumulative'];

/**
 * One JSON line (no trailing newline) per log record, span or metric data point of a request,
 * with its resource and scope flattened in. The format is described in the package README.
 */
export function toJsonLines(signal: Signal, request: unknown): string[] {
  const objects =
    signal === 'logs'
      ? logLines(request as ExportLogsServiceRequest)
      : signal === 'traces'
        ? spanLines(request as ExportTraceServiceRequest)
        : dataPointLines(request as ExportMetricsServiceRequest);
  return objects.map((object) => JSON.stringify(object));
}

function withContext(
  line: JsonObject,
  resource: Resource | undefined,
  scope: InstrumentationScope | undefined,
): JsonObject {
  setIfPresent(line, 'resource', plainResource(resource));
  setIfPresent(line, 'scope', plainScope(scope));
  return line;
}

function attributesOf(attributes: readonly KeyValue[] | undefined): JsonObject | undefined {
  return attributes === undefined ? undefined : plainAttributes(attributes);
}

function logLines(request: ExportLogsServiceRequest): JsonObject[] {
  const lines: JsonObject[] = [];
  for (const resourceLogs of request.resourceLogs) {
    for (const scopeLogs of resourceLogs.scopeLogs) {
      for (const record of scopeLogs.logRecords) {
        const line: JsonObject = { signal: 'logs' };
        setIfPresent(line, 'time', isoTime(record.timeUnixNano));
        setIfPresent(line, 'observedTime', isoTime(record.observedTimeUnixNano));
        if (record.severityNumber) line['severityNumber'] = record.severityNumber;
        setIfPresent(line, 'severityText', record.severityText);
        setIfPresent(line, 'eventName', record.eventName);
        if (record.body !== undefined) line['body'] = plainValue(record.body);
        setIfPresent(line, 'attributes', attributesOf(record.attributes));
        setIfPresent(line, 'traceId', record.traceId);
        setIfPresent(line, 'spanId', record.spanId);
        if (record.flags) line['flags'] = record.flags;
        if (record.droppedAttributesCount) line['droppedAttributesCount'] = record.droppedAttributesCount;
        lines.push(withContext(line, resourceLogs.resource, scopeLogs.scope));
      }
    }
  }
  return lines;
}

function spanLines(request: ExportTraceServiceRequest): JsonObject[] {
  const lines: JsonObject[] = [];
  for (const resourceSpans of request.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const line: JsonObject = { signal: 'traces' };
        setIfPresent(line, 'name', span.name);
        setIfPresent(line, 'kind', SPAN_KINDS[span.kind ?? 0] ?? String(span.kind));
        setIfPresent(line, 'traceId', span.traceId);
        setIfPresent(line, 'spanId', span.spanId);
        setIfPresent(line, 'parentSpanId', span.parentSpanId);
        setIfPresent(line, 'traceState', span.traceState);
        if (span.flags) line['flags'] = span.flags;
        setIfPresent(line, 'start', isoTime(span.startTimeUnixNano));
        setIfPresent(line, 'end', isoTime(span.endTimeUnixNano));
        setIfPresent(line, 'durationMs', durationMs(span.startTimeUnixNano, span.endTimeUnixNano));
        const status: JsonObject = {
          code: STATUS_CODES[span.status?.code ?? 0] ?? String(span.status?.code),
        };
        setIfPresent(status, 'message', span.status?.message);
        line['status'] = status;
        setIfPresent(line, 'attributes', attributesOf(span.attributes));
        setIfPresent(
          line,
          'events',
          (span.events ?? []).map((event) => {
            const object: JsonObject = {};
            setIfPresent(object, 'time', isoTime(event.timeUnixNano));
            setIfPresent(object, 'name', event.name);
            setIfPresent(object, 'attributes', attributesOf(event.attributes));
            if (event.droppedAttributesCount) object['droppedAttributesCount'] = event.droppedAttributesCount;
            return object;
          }),
        );
        setIfPresent(
          line,
          'links',
          (span.links ?? []).map((link) => {
            const object: JsonObject = {};
            setIfPresent(object, 'traceId', link.traceId);
            setIfPresent(object, 'spanId', link.spanId);
            setIfPresent(object, 'traceState', link.traceState);
            if (link.flags) object['flags'] = link.flags;
            setIfPresent(object, 'attributes', attributesOf(link.attributes));
            if (link.droppedAttributesCount) object['droppedAttributesCount'] = link.droppedAttributesCount;
            return object;
          }),
        );
        if (span.droppedAttributesCount) line['droppedAttributesCount'] = span.droppedAttributesCount;
        if (span.droppedEventsCount) line['droppedEventsCount'] = span.droppedEventsCount;
        if (span.droppedLinksCount) line['droppedLinksCount'] = span.droppedLinksCount;
        lines.push(withContext(line, resourceSpans.resource, scopeSpans.scope));
      }
    }
  }
  return lines;
}

interface CommonPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  flags?: number;
  exemplars?: Exemplar[];
}

function dataPointLines(request: ExportMetricsServiceRequest): JsonObject[] {
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
