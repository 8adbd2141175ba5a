import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import {
  encodeLogRecords,
  encodeResourceMetrics,
  encodeSpans,
  logsCodec,
  metricsCodec,
  tracesCodec,
} from '@otel-lifeline/otlp';
import { logRecordsToOtlp } from '../src/log-records-converter.js';
import { resourceMetricsToOtlp } from '../src/resource-metrics-converter.js';
import { spansToOtlp } from '../src/spans-converter.js';
import { flattenLogs } from './fixtures/flatten.js';
import { logRecords, resourceMetrics, spans } from './fixtures/sdk-records.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('interop with @opentelemetry/otlp-transformer', () => {
  it('decodes the stock protobuf and JSON log serializations to our conversion of the same records', () => {
    const records = logRecords();
    const expected = logRecordsToOtlp(records);
    // The stock serializer keeps one group per scope object; ours merges equal scopes.
    expect(flattenLogs(logsCodec.decode(ProtobufLogsSerializer.serializeRequest(records)!))).toEqual(
      flattenLogs(expected),
    );
    expect(flattenLogs(logsCodec.fromJson(text(JsonLogsSerializer.serializeRequest(records)!)))).toEqual(
      flattenLogs(expected),
    );
    expect(logsCodec.decode(encodeLogRecords(records))).toEqual(expected);
  });

  it('decodes the stock protobuf and JSON span serializations to our conversion of the same spans', () => {
    const finished = spans();
    const expected = spansToOtlp(finished);
    expect(tracesCodec.decode(ProtobufTraceSerializer.serializeRequest(finished)!)).toEqual(expected);
    expect(tracesCodec.fromJson(text(JsonTraceSerializer.serializeRequest(finished)!))).toEqual(expected);
    expect(tracesCodec.decode(encodeSpans(finished))).toEqual(expected);
  });

  it('decodes the stock protobuf and JSON metric serializations to our conversion of the same metrics', async () => {
    const collected = await resourceMetrics();
    const expected = resourceMetricsToOtlp(collected);
    expect(metricsCodec.decode(ProtobufMetricsSerializer.serializeRequest(collected)!)).toEqual(expected);
    expect(metricsCodec.fromJson(text(JsonMetricsSerializer.serializeRequest(collected)!))).toEqual(expected);
    expect(metricsCodec.decode(encodeResourceMetrics(collected))).toEqual(expected);
  });
});
