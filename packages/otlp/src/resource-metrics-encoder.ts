import { ValueType } from '@opentelemetry/api';
import type {
  DataPoint,
  ExponentialHistogram as SdkExponentialHistogram,
  Histogram as SdkHistogram,
  MetricData,
  ResourceMetrics as SdkResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ProtobufWriter } from './protobuf-writer.js';
import { withWriter } from './protobuf-writer.js';
import { resourceField, scopeField, writeResourceEnvelope } from './sdk-grouping.js';
import {
  countValue,
  isZeroHrTime,
  writeAttributes,
  writeCountFixed64,
  writeHrTime,
} from './sdk-value-writer.js';
import { split, splitInt64 } from './int64.js';

/**
 * sdk-metrics `DataPointType` and `AggregationTemporality` values (numeric enums in 2.x), inlined
 * so this module needs no runtime import of sdk-metrics.
 */
export const SdkDataPointType = { HISTOGRAM: 0, EXPONENTIAL_HISTOGRAM: 1, GAUGE: 2, SUM: 3 } as const;

/** SDK DELTA (0) → OTLP 1, CUMULATIVE (1) → OTLP 2. */
export function otlpTemporality(temporality: number): number {
  return temporality === 0 ? 1 : temporality === 1 ? 2 : 0;
}

/** SDK ResourceMetrics → ExportMetricsServiceRequest protobuf bytes, written directly. */
export function encodeResourceMetrics(resourceMetrics: SdkResourceMetrics): Uint8Array {
  return withWriter((w) => {
    const resource = {
      field: resourceField(resourceMetrics.resource),
      schemaUrl: resourceMetrics.resource.schemaUrl,
    };
    const scopes = resourceMetrics.scopeMetrics.map((s) => ({
      field: scopeField(s.scope),
      schemaUrl: s.scope.schemaUrl,
      items: s.metrics,
    }));
    writeResourceEnvelope(w, resource, scopes, writeMetric); // ExportMetricsServiceRequest.resource_metrics
  });
}

function writeMetric(w: ProtobufWriter, metric: MetricData): void {
  w.varint32(0x12); // ScopeMetrics.metrics
  const start = w.fork(2);
  const { name, description, unit, valueType } = metric.descriptor;
  if (name) {
    w.varint32(0x0a);
    w.string(name);
  }
  if (description) {
    w.varint32(0x12);
    w.string(description);
  }
  if (unit) {
    w.varint32(0x1a);
    w.string(unit);
  }
  const temporality = otlpTemporality(metric.aggregationTemporality);
  switch (metric.dataPointType as number) {
    case SdkDataPointType.GAUGE: {
      w.varint32(0x2a); // gauge
      const data = w.fork(2);
      for (const point of metric.dataPoints as DataPoint<number>[]) writeNumberPoint(w, point, valueType);
      w.join(data, 2);
      break;
    }
    case SdkDataPointType.SUM: {
      w.varint32(0x3a); // sum
      const data = w.fork(2);
      for (const point of metric.dataPoints as DataPoint<number>[]) writeNumberPoint(w, point, valueType);
      writeTemporality(w, temporality);
      if ((metric as { isMonotonic?: boolean }).isMonotonic) {
        w.varint32(0x18);
        w.varint32(1);
      }
      w.join(data, 2);
      break;
    }
    case SdkDataPointType.HISTOGRAM: {
      w.varint32(0x4a); // histogram
      const data = w.fork(2);
      for (const point of metric.dataPoints as DataPoint<SdkHistogram>[]) writeHistogramPoint(w, point);
      writeTemporality(w, temporality);
      w.join(data, 2);
      break;
    }
    case SdkDataPointType.EXPONENTIAL_HISTOGRAM: {
      w.varint32(0x52); // exponential_histogram
      const data = w.fork(2);
      for (const point of metric.dataPoints as DataPoint<SdkExponentialHistogram>[]) {
        writeExponentialHistogramPoint(w, point);
      }
      writeTemporality(w, temporality);
      w.join(data, 2);
      break;
    }
    default:
      break;
  }
  w.join(start, 2);
}

function writeTemporality(w: ProtobufWriter, temporality: number): void {
  if (temporality) {
    w.varint32(0x10);
    w.varint32(temporality);
  }
}

function writeTimes(w: ProtobufWriter, point: DataPoint<unknown>): void {
  if (!isZeroHrTime(point.startTime)) {
    w.varint32(0x11); // start_time_unix_nano (2)
    writeHrTime(w, point.startTime);
  }
  if (!isZeroHrTime(point.endTime)) {
    w.varint32(0x19); // time_unix_nano (3)
    writeHrTime(w, point.endTime);
  }
}

function writeOptionalDouble(w: ProtobufWriter, tag: number, value: number | undefined): void {
  if (value !== undefined) {
    w.varint32(tag);
    w.double(value);
  }
}

function writeNumberPoint(w: ProtobufWriter, point: DataPoint<number>, valueType: ValueType): void {
  w.varint32(0x0a); // data_points
  const start = w.fork(1);
  writeTimes(w, point);
  // An INT instrument's value that does not fit int64 (or is not finite) is kept as a double.
  if (
    valueType === ValueType.INT &&
    Number.isFinite(point.value) &&
    !splitInt64(Math.trunc(point.value), true)
  ) {
    w.varint32(0x31); // as_int, sfixed64 (6)
    w.fixed64(split.lo, split.hi);
  } else {
    w.varint32(0x21); // as_double (4)
    w.double(point.value);
  }
  writeAttributes(w, 0x3a, point.attributes); // attributes (7)
  w.join(start, 1);
}

function writeHistogramPoint(w: ProtobufWriter, point: DataPoint<SdkHistogram>): void {
  w.varint32(0x0a);
  const start = w.fork(2);
  const h = point.value;
  writeTimes(w, point);
  if (countValue(h.count)) {
    w.varint32(0x21); // count (4)
    writeCountFixed64(w, h.count);
  }
  writeOptionalDouble(w, 0x29, h.sum); // sum (5)
  const counts = h.buckets.counts;
  if (counts.length > 0) {
    w.varint32(0x32); // bucket_counts (6), packed fixed64
    w.varint32(counts.length * 8);
    for (const count of counts) writeCountFixed64(w, count);
  }
  const bounds = h.buckets.boundaries;
  if (bounds.length > 0) {
    w.varint32(0x3a); // explicit_bounds (7), packed double
    w.varint32(bounds.length * 8);
    for (const bound of bounds) w.double(bound);
  }
  writeAttributes(w, 0x4a, point.attributes); // attributes (9)
  writeOptionalDouble(w, 0x59, h.min); // min (11)
  writeOptionalDouble(w, 0x61, h.max); // max (12)
  w.join(start, 2);
}

function writeBuckets(
  w: ProtobufWriter,
  tag: number,
  buckets: { offset: number; bucketCounts: number[] },
): void {
  w.varint32(tag);
  const start = w.fork(1);
  if (buckets.offset) {
    w.varint32(0x08); // offset, sint32
    w.sint32(buckets.offset);
  }
  if (buckets.bucketCounts.length > 0) {
    w.varint32(0x12); // bucket_counts, packed uint64
    const counts = w.fork(1);
    for (const count of buckets.bucketCounts) {
      const v = countValue(count);
      w.varint64(v >>> 0, Math.floor(v / 4294967296) >>> 0);
    }
    w.join(counts, 1);
  }
  w.join(start, 1);
}

function writeExponentialHistogramPoint(w: ProtobufWriter, point: DataPoint<SdkExponentialHistogram>): void {
  w.varint32(0x0a);
  const start = w.fork(2);
  const h = point.value;
  writeAttributes(w, 0x0a, point.attributes); // attributes (1)
  writeTimes(w, point);
  if (countValue(h.count)) {
    w.varint32(0x21); // count (4)
    writeCountFixed64(w, h.count);
  }
  writeOptionalDouble(w, 0x29, h.sum); // sum (5)
  if (h.scale) {
    w.varint32(0x30); // scale (6), sint32
    w.sint32(h.scale);
  }
  if (countValue(h.zeroCount)) {
    w.varint32(0x39); // zero_count (7), fixed64
    writeCountFixed64(w, h.zeroCount);
  }
  writeBuckets(w, 0x42, h.positive); // positive (8)
  writeBuckets(w, 0x4a, h.negative); // negative (9)
  writeOptionalDouble(w, 0x61, h.min); // min (12)
  writeOptionalDouble(w, 0x69, h.max); // max (13)
  w.join(start, 2);
}
