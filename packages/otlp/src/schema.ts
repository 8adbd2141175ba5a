/**
 * The OTLP schema (opentelemetry-proto v1.x: common, resource, logs, trace, metrics and the collector
 * service request/response messages), plus google.rpc.Status, written from the .proto files as a
 * descriptor in protobufjs's JSON form (plain data: message-table.ts reads it without protobufjs, so
 * nothing generates code at run time; the tests load it into protobufjs to cross-check the codec). Field names are the proto (snake_case) names; the JSON names are their
 * lowerCamelCase forms.
 *
 * Each field is `[name, type, id, flags?]` where flags is a string of:
 *   r  repeated        p  packed (repeated scalar numbers, proto3's default)
 *   o  proto3 `optional` (explicit presence, a synthetic oneof `_<name>`)
 */
type FieldDef = readonly [name: string, type: string, id: number, flags?: string];

function message(fields: readonly FieldDef[], oneofs: Record<string, readonly string[]> = {}): object {
  const fieldsJson: Record<string, object> = {};
  const oneofsJson: Record<string, { oneof: string[] }> = {};
  for (const [name, type, id, flags = ''] of fields) {
    const field: Record<string, unknown> = { type, id };
    if (flags.includes('r')) field['rule'] = 'repeated';
    if (flags.includes('p')) field['options'] = { packed: true };
    if (flags.includes('o')) {
      field['options'] = { proto3_optional: true };
      oneofsJson[`_${name}`] = { oneof: [name] };
    }
    fieldsJson[name] = field;
  }
  for (const [name, members] of Object.entries(oneofs)) oneofsJson[name] = { oneof: [...members] };
  return Object.keys(oneofsJson).length > 0
    ? { oneofs: oneofsJson, fields: fieldsJson }
    : { fields: fieldsJson };
}

function enumeration(values: Record<string, number>): object {
  return { values };
}

function pkg(path: string, nested: Record<string, object>): Record<string, object> {
  let node: Record<string, object> = nested;
  for (const part of path.split('.').reverse()) node = { [part]: { nested: node } };
  return node;
}

const COMMON = 'opentelemetry.proto.common.v1.';
const RESOURCE = 'opentelemetry.proto.resource.v1.';
const LOGS = 'opentelemetry.proto.logs.v1.';
const TRACE = 'opentelemetry.proto.trace.v1.';
const METRICS = 'opentelemetry.proto.metrics.v1.';

const common = {
  AnyValue: message(
    [
      ['string_value', 'string', 1],
      ['bool_value', 'bool', 2],
      ['int_value', 'int64', 3],
      ['double_value', 'double', 4],
      ['array_value', `${COMMON}ArrayValue`, 5],
      ['kvlist_value', `${COMMON}KeyValueList`, 6],
      ['bytes_value', 'bytes', 7],
    ],
    {
      value: [
        'string_value',
        'bool_value',
        'int_value',
        'double_value',
        'array_value',
        'kvlist_value',
        'bytes_value',
      ],
    },
  ),
  ArrayValue: message([['values', `${COMMON}AnyValue`, 1, 'r']]),
  KeyValueList: message([['values', `${COMMON}KeyValue`, 1, 'r']]),
  KeyValue: message([
    ['key', 'string', 1],
    ['value', `${COMMON}AnyValue`, 2],
  ]),
  InstrumentationScope: message([
    ['name', 'string', 1],
    ['version', 'string', 2],
    ['attributes', `${COMMON}KeyValue`, 3, 'r'],
    ['dropped_attributes_count', 'uint32', 4],
  ]),
  EntityRef: message([
    ['schema_url', 'string', 1],
    ['type', 'string', 2],
    ['id_keys', 'string', 3, 'r'],
    ['description_keys', 'string', 4, 'r'],
  ]),
};

const resource = {
  Resource: message([
    ['attributes', `${COMMON}KeyValue`, 1, 'r'],
    ['dropped_attributes_count', 'uint32', 2],
    ['entity_refs', `${COMMON}EntityRef`, 3, 'r'],
  ]),
};

const logs = {
  LogsData: message([['resource_logs', `${LOGS}ResourceLogs`, 1, 'r']]),
  ResourceLogs: message([
    ['resource', `${RESOURCE}Resource`, 1],
    ['scope_logs', `${LOGS}ScopeLogs`, 2, 'r'],
    ['schema_url', 'string', 3],
  ]),
  ScopeLogs: message([
    ['scope', `${COMMON}InstrumentationScope`, 1],
    ['log_records', `${LOGS}LogRecord`, 2, 'r'],
    ['schema_url', 'string', 3],
  ]),
  SeverityNumber: enumeration({
    SEVERITY_NUMBER_UNSPECIFIED: 0,
    SEVERITY_NUMBER_TRACE: 1,
    SEVERITY_NUMBER_TRACE2: 2,
    SEVERITY_NUMBER_TRACE3: 3,
    SEVERITY_NUMBER_TRACE4: 4,
    SEVERITY_NUMBER_DEBUG: 5,
    SEVERITY_NUMBER_DEBUG2: 6,
    SEVERITY_NUMBER_DEBUG3: 7,
    SEVERITY_NUMBER_DEBUG4: 8,
    SEVERITY_NUMBER_INFO: 9,
    SEVERITY_NUMBER_INFO2: 10,
    SEVERITY_NUMBER_INFO3: 11,
    SEVERITY_NUMBER_INFO4: 12,
    SEVERITY_NUMBER_WARN: 13,
    SEVERITY_NUMBER_WARN2: 14,
    SEVERITY_NUMBER_WARN3: 15,
    SEVERITY_NUMBER_WARN4: 16,
    SEVERITY_NUMBER_ERROR: 17,
    SEVERITY_NUMBER_ERROR2: 18,
    SEVERITY_NUMBER_ERROR3: 19,
    SEVERITY_NUMBER_ERROR4: 20,
    SEVERITY_NUMBER_FATAL: 21,
    SEVERITY_NUMBER_FATAL2: 22,
    SEVERITY_NUMBER_FATAL3: 23,
    SEVERITY_NUMBER_FATAL4: 24,
  }),
  LogRecord: message([
    ['time_unix_nano', 'fixed64', 1],
    ['severity_number', `${LOGS}SeverityNumber`, 2],
    ['severity_text', 'string', 3],
    ['body', `${COMMON}AnyValue`, 5],
    ['attributes', `${COMMON}KeyValue`, 6, 'r'],
    ['dropped_attributes_count', 'uint32', 7],
    ['flags', 'fixed32', 8],
    ['trace_id', 'bytes', 9],
    ['span_id', 'bytes', 10],
    ['observed_time_unix_nano', 'fixed64', 11],
    ['event_name', 'string', 12],
  ]),
};

const trace = {
  TracesData: message([['resource_spans', `${TRACE}ResourceSpans`, 1, 'r']]),
  ResourceSpans: message([
    ['resource', `${RESOURCE}Resource`, 1],
    ['scope_spans', `${TRACE}ScopeSpans`, 2, 'r'],
    ['schema_url', 'string', 3],
  ]),
  ScopeSpans: message([
    ['scope', `${COMMON}InstrumentationScope`, 1],
    ['spans', `${TRACE}Span`, 2, 'r'],
    ['schema_url', 'string', 3],
  ]),
  Span: {
    ...message([
      ['trace_id', 'bytes', 1],
      ['span_id', 'bytes', 2],
      ['trace_state', 'string', 3],
      ['parent_span_id', 'bytes', 4],
      ['name', 'string', 5],
      ['kind', `${TRACE}Span.SpanKind`, 6],
      ['start_time_unix_nano', 'fixed64', 7],
      ['end_time_unix_nano', 'fixed64', 8],
      ['attributes', `${COMMON}KeyValue`, 9, 'r'],
      ['dropped_attributes_count', 'uint32', 10],
      ['events', `${TRACE}Span.Event`, 11, 'r'],
      ['dropped_events_count', 'uint32', 12],
      ['links', `${TRACE}Span.Link`, 13, 'r'],
      ['dropped_links_count', 'uint32', 14],
      ['status', `${TRACE}Status`, 15],
      ['flags', 'fixed32', 16],
    ]),
    nested: {
      SpanKind: enumeration({
        SPAN_KIND_UNSPECIFIED: 0,
        SPAN_KIND_INTERNAL: 1,
        SPAN_KIND_SERVER: 2,
        SPAN_KIND_CLIENT: 3,
        SPAN_KIND_PRODUCER: 4,
        SPAN_KIND_CONSUMER: 5,
      }),
      Event: message([
        ['time_unix_nano', 'fixed64', 1],
        ['name', 'string', 2],
        ['attributes', `${COMMON}KeyValue`, 3, 'r'],
        ['dropped_attributes_count', 'uint32', 4],
      ]),
      Link: message([
        ['trace_id', 'bytes', 1],
        ['span_id', 'bytes', 2],
        ['trace_state', 'string', 3],
        ['attributes', `${COMMON}KeyValue`, 4, 'r'],
        ['dropped_attributes_count', 'uint32', 5],
        ['flags', 'fixed32', 6],
      ]),
    },
  },
  Status: {
    ...message([
      ['message', 'string', 2],
      ['code', `${TRACE}Status.StatusCode`, 3],
    ]),
    nested: {
      StatusCode: enumeration({ STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 }),
    },
  },
};

const metrics = {
  MetricsData: message([['resource_metrics', `${METRICS}ResourceMetrics`, 1, 'r']]),
  ResourceMetrics: message([
    ['resource', `${RESOURCE}Resource`, 1],
    ['scope_metrics', `${METRICS}ScopeMetrics`, 2, 'r'],
    ['schema_url', 'string', 3],
  ]),
  ScopeMetrics: message([
    ['scope', `${COMMON}InstrumentationScope`, 1],
    ['metrics', `${METRICS}Metric`, 2, 'r'],
    ['schema_url', 'string', 3],
  ]),
  Metric: message(
    [
      ['name', 'string', 1],
      ['description', 'string', 2],
      ['unit', 'string', 3],
      ['gauge', `${METRICS}Gauge`, 5],
      ['sum', `${METRICS}Sum`, 7],
      ['histogram', `${METRICS}Histogram`, 9],
      ['exponential_histogram', `${METRICS}ExponentialHistogram`, 10],
      ['summary', `${METRICS}Summary`, 11],
      ['metadata', `${COMMON}KeyValue`, 12, 'r'],
    ],
    { data: ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] },
  ),
  Gauge: message([['data_points', `${METRICS}NumberDataPoint`, 1, 'r']]),
  Sum: message([
    ['data_points', `${METRICS}NumberDataPoint`, 1, 'r'],
    ['aggregation_temporality', `${METRICS}AggregationTemporality`, 2],
    ['is_monotonic', 'bool', 3],
  ]),
  Histogram: message([
    ['data_points', `${METRICS}HistogramDataPoint`, 1, 'r'],
    ['aggregation_temporality', `${METRICS}AggregationTemporality`, 2],
  ]),
  ExponentialHistogram: message([
    ['data_points', `${METRICS}ExponentialHistogramDataPoint`, 1, 'r'],
    ['aggregation_temporality', `${METRICS}AggregationTemporality`, 2],
  ]),
  Summary: message([['data_points', `${METRICS}SummaryDataPoint`, 1, 'r']]),
  AggregationTemporality: enumeration({
    AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
    AGGREGATION_TEMPORALITY_DELTA: 1,
    AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
  }),
  DataPointFlags: enumeration({ DATA_POINT_FLAGS_DO_NOT_USE: 0, DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK: 1 }),
  NumberDataPoint: message(
    [
      ['start_time_unix_nano', 'fixed64', 2],
      ['time_unix_nano', 'fixed64', 3],
      ['as_double', 'double', 4],
      ['exemplars', `${METRICS}Exemplar`, 5, 'r'],
      ['as_int', 'sfixed64', 6],
      ['attributes', `${COMMON}KeyValue`, 7, 'r'],
      ['flags', 'uint32', 8],
    ],
    { value: ['as_double', 'as_int'] },
  ),
  HistogramDataPoint: message([
    ['start_time_unix_nano', 'fixed64', 2],
    ['time_unix_nano', 'fixed64', 3],
    ['count', 'fixed64', 4],
    ['sum', 'double', 5, 'o'],
    ['bucket_counts', 'fixed64', 6, 'rp'],
    ['explicit_bounds', 'double', 7, 'rp'],
    ['exemplars', `${METRICS}Exemplar`, 8, 'r'],
    ['attributes', `${COMMON}KeyValue`, 9, 'r'],
    ['flags', 'uint32', 10],
    ['min', 'double', 11, 'o'],
    ['max', 'double', 12, 'o'],
  ]),
  ExponentialHistogramDataPoint: {
    ...message([
      ['attributes', `${COMMON}KeyValue`, 1, 'r'],
      ['start_time_unix_nano', 'fixed64', 2],
      ['time_unix_nano', 'fixed64', 3],
      ['count', 'fixed64', 4],
      ['sum', 'double', 5, 'o'],
      ['scale', 'sint32', 6],
      ['zero_count', 'fixed64', 7],
      ['positive', `${METRICS}ExponentialHistogramDataPoint.Buckets`, 8],
      ['negative', `${METRICS}ExponentialHistogramDataPoint.Buckets`, 9],
      ['flags', 'uint32', 10],
      ['exemplars', `${METRICS}Exemplar`, 11, 'r'],
      ['min', 'double', 12, 'o'],
      ['max', 'double', 13, 'o'],
      ['zero_threshold', 'double', 14],
    ]),
    nested: {
      Buckets: message([
        ['offset', 'sint32', 1],
        ['bucket_counts', 'uint64', 2, 'rp'],
      ]),
    },
  },
  SummaryDataPoint: {
    ...message([
      ['start_time_unix_nano', 'fixed64', 2],
      ['time_unix_nano', 'fixed64', 3],
      ['count', 'fixed64', 4],
      ['sum', 'double', 5],
      ['quantile_values', `${METRICS}SummaryDataPoint.ValueAtQuantile`, 6, 'r'],
      ['attributes', `${COMMON}KeyValue`, 7, 'r'],
      ['flags', 'uint32', 8],
    ]),
    nested: {
      ValueAtQuantile: message([
        ['quantile', 'double', 1],
        ['value', 'double', 2],
      ]),
    },
  },
  Exemplar: message(
    [
      ['time_unix_nano', 'fixed64', 2],
      ['as_double', 'double', 3],
      ['span_id', 'bytes', 4],
      ['trace_id', 'bytes', 5],
      ['as_int', 'sfixed64', 6],
      ['filtered_attributes', `${COMMON}KeyValue`, 7, 'r'],
    ],
    { value: ['as_double', 'as_int'] },
  ),
};

function service(request: string, itemsType: string, itemsField: string, rejectedField: string): object {
  return {
    [`Export${request}ServiceRequest`]: message([[itemsField, itemsType, 1, 'r']]),
    [`Export${request}ServiceResponse`]: message([['partial_success', `Export${request}PartialSuccess`, 1]]),
    [`Export${request}PartialSuccess`]: message([
      [rejectedField, 'int64', 1],
      ['error_message', 'string', 2],
    ]),
  };
}

const descriptor = {
  nested: {
    ...pkg('opentelemetry.proto', {
      common: { nested: { v1: { nested: common } } },
      resource: { nested: { v1: { nested: resource } } },
      logs: { nested: { v1: { nested: logs } } },
      trace: { nested: { v1: { nested: trace } } },
      metrics: { nested: { v1: { nested: metrics } } },
      collector: {
        nested: {
          logs: {
            nested: {
              v1: {
                nested: service('Logs', `${LOGS}ResourceLogs`, 'resource_logs', 'rejected_log_records'),
              },
            },
          },
          trace: {
            nested: {
              v1: { nested: service('Trace', `${TRACE}ResourceSpans`, 'resource_spans', 'rejected_spans') },
            },
          },
          metrics: {
            nested: {
              v1: {
                nested: service(
                  'Metrics',
                  `${METRICS}ResourceMetrics`,
                  'resource_metrics',
                  'rejected_data_points',
                ),
              },
            },
          },
        },
      },
    }),
    ...pkg('google', {
      protobuf: {
        nested: {
          Any: message([
            ['type_url', 'string', 1],
            ['value', 'bytes', 2],
          ]),
        },
      },
      rpc: {
        nested: {
          Status: message([
            ['code', 'int32', 1],
            ['message', 'string', 2],
            ['details', 'google.protobuf.Any', 3, 'r'],
          ]),
        },
      },
    }),
  },
};

/** Every OTLP message type, nested by package, in protobufjs's JSON descriptor form. */
export const otlpDescriptor: DescriptorNamespace = descriptor as DescriptorNamespace;

export interface DescriptorField {
  readonly type: string;
  readonly id: number;
  readonly rule?: 'repeated';
  readonly options?: { readonly packed?: boolean; readonly proto3_optional?: boolean };
}

export interface DescriptorNamespace {
  readonly nested?: Readonly<Record<string, DescriptorNamespace>>;
  /** Present on a message. */
  readonly fields?: Readonly<Record<string, DescriptorField>>;
  readonly oneofs?: Readonly<Record<string, { readonly oneof: readonly string[] }>>;
  /** Present on an enum. */
  readonly values?: Readonly<Record<string, number>>;
}

/** Fully qualified names of the top-level messages. */
export const MessageName = {
  logsRequest: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  logsResponse: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  traceRequest: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  traceResponse: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  metricsRequest: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  metricsResponse: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  status: 'google.rpc.Status',
} as const;
