export type {
  AnyValue,
  ArrayValue,
  EntityRef,
  InstrumentationScope,
  KeyValue,
  KeyValueList,
  Resource,
} from './common-types.js';
export type { ExportLogsServiceRequest, LogRecord, ResourceLogs, ScopeLogs } from './logs-types.js';
export type {
  Event,
  ExportTraceServiceRequest,
  Link,
  ResourceSpans,
  ScopeSpans,
  Span,
  Status,
} from './trace-types.js';
export type {
  Exemplar,
  ExponentialHistogram,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  Gauge,
  Histogram,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  Sum,
  Summary,
  SummaryDataPoint,
  ValueAtQuantile,
} from './metrics-types.js';
export type { ExportResult, Signal, SignalCodec } from './signal-codec.js';
export { codecFor, logsCodec, metricsCodec, tracesCodec } from './signal-codec.js';
export type { RpcStatus } from './status.js';
export { decodeStatus, encodeStatus, statusFromJson, statusToJson } from './status.js';
export { encodeLogRecords } from './log-records-encoder.js';
export { encodeSpans } from './spans-encoder.js';
export type { IncrementalEncoder } from './incremental-encoder.js';
export { createIncrementalLogsEncoder, createIncrementalSpansEncoder } from './incremental-encoder.js';
export { encodeResourceMetrics } from './resource-metrics-encoder.js';
export { OtlpDecodeError, OtlpEncodeError } from './errors.js';
export { zstdAvailable, zstdCompress, zstdDecompress, zstdDecompressAsync, zstdMissing } from './zstd.js';
