import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
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
import type { ExportLogsServiceRequest } from '@otel-lifeline/otlp';
import { flattenLogs, flattenSpans } from './fixtures/flatten.js';
import { logRecords, resourceMetrics, spans } from './fixtures/sdk-arbitraries.js';

const RUNS = 200;

/**
 * The stock JSON writer emits some values that are not OTLP, which we refuse: any integer as an
 * `intValue` JSON number, also past the int64 range (where its protobuf writer switches to
 * doubleValue), and an INT instrument's fractional value as `asInt`. Non-finite doubles become
 * `null` (JSON.stringify), which reads as "not set".
 */
function unlessStockJsonIsInvalid(json: string, parse: () => void): void {
  if (json.includes('null')) return;
  try {
    parse();
  } catch (error) {
    if (!/out of the int64 range|asInt: expected an integer/.test((error as Error).message)) throw error;
  }
}
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/**
 * The stock JSON writer also drops the sign of a negative zero (`JSON.stringify(-0)` is `"0"`),
 * which its protobuf writer and ours keep. Comparisons with what it wrote read every -0 as 0.
 */
function signlessZeros<T>(value: T): T {
  if (Object.is(value, -0)) return 0 as T;
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(signlessZeros) as T;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, signlessZeros(item)])) as T;
}

describe('SDK record encoders', () => {
  it("encodeLogRecords decodes to exactly logRecordsToOtlp, and to the stock serializers' content", () => {
    fc.assert(
      fc.property(logRecords, (records) => {
        const expected = logRecordsToOtlp(records);
        expect(logsCodec.decode(encodeLogRecords(records))).toEqual(expected);
        expect(logsCodec.countEncodedItems(encodeLogRecords(records))).toBe(records.length);
        const stock = logsCodec.decode(ProtobufLogsSerializer.serializeRequest(records)!);
        expect(flattenLogs(stock)).toEqual(flattenLogs(expected));
        const json = text(JsonLogsSerializer.serializeRequest(records)!);
        unlessStockJsonIsInvalid(json, () =>
          expect(flattenLogs(withoutEmptyBody(logsCodec.fromJson(json)))).toEqual(
            flattenLogs(withoutEmptyBody(signlessZeros(expected))),
          ),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("encodeSpans decodes to exactly spansToOtlp, and to the stock serializers' content", () => {
    fc.assert(
      fc.property(spans, (finished) => {
        const expected = spansToOtlp(finished);
        expect(tracesCodec.decode(encodeSpans(finished))).toEqual(expected);
        expect(tracesCodec.countEncodedItems(encodeSpans(finished))).toBe(finished.length);
        const stock = tracesCodec.decode(ProtobufTraceSerializer.serializeRequest(finished)!);
        expect(flattenSpans(stock)).toEqual(flattenSpans(expected));
        const json = text(JsonTraceSerializer.serializeRequest(finished)!);
        unlessStockJsonIsInvalid(json, () =>
          expect(flattenSpans(tracesCodec.fromJson(json))).toEqual(flattenSpans(signlessZeros(expected))),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("encodeResourceMetrics decodes to exactly resourceMetricsToOtlp, and to the stock serializers' content", () => {
    fc.assert(
      fc.property(resourceMetrics, (collected) => {
        const expected = resourceMetricsToOtlp(collected);
        const bytes = encodeResourceMetrics(collected);
        expect(metricsCodec.decode(bytes)).toEqual(expected);
        expect(metricsCodec.countEncodedItems(bytes)).toBe(metricsCodec.countItems(expected));
        expect(metricsCodec.decode(ProtobufMetricsSerializer.serializeRequest(collected)!)).toEqual(expected);
        const json = text(JsonMetricsSerializer.serializeRequest(collected)!);
        unlessStockJsonIsInvalid(json, () =>
          expect(metricsCodec.fromJson(json)).toEqual(signlessZeros(expected)),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

/** The stock JSON writer sends `body: {}` (an empty AnyValue) for a record without a body. */
function withoutEmptyBody(req: ExportLogsServiceRequest): ExportLogsServiceRequest {
  for (const rl of req.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const record of sl.logRecords) {
        if (record.body && Object.keys(record.body).length === 0) delete record.body;
      }
    }
  }
  return req;
}
