import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import {
  encodeLogRecords,
  encodeResourceMetrics,
  encodeSpans,
  logsCodec,
  metricsCodec,
  tracesCodec,
  type Signal,
} from '@otel-lifeline/otlp';
import { logRecordsToOtlp } from '../../../packages/otlp/src/log-records-converter.js';
import { resourceMetricsToOtlp } from '../../../packages/otlp/src/resource-metrics-converter.js';
import { spansToOtlp } from '../../../packages/otlp/src/spans-converter.js';

/** The resource attribute that tells the test cases apart in the Collector's output. */
export const CASE_KEY = 'lifeline.test.case';

export interface EncodedRequest {
  signal: Signal;
  protobuf: Uint8Array;
  json: string;
}

/** Pull-only reader: the test collects once, on demand. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * Real OpenTelemetry SDK records for one test case, encoded by Lifeline's OTLP code exactly as
 * Lifeline's exporters put them on the wire (protobuf from the SDK records, OTLP-JSON for
 * http/json).
 */
export async function sdkRequest(signal: Signal, testCase: string): Promise<EncodedRequest> {
  const resource = resourceFromAttributes({ 'service.name': 'collector-config-test', [CASE_KEY]: testCase });
  if (signal === 'logs') {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource,
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    provider.getLogger('lifeline.test').emit({
      severityNumber: 9,
      severityText: 'INFO',
      body: `access ${testCase}`,
      attributes: {
        'http.route': '/users/:id',
        'http.response.status_code': 200,
        'lifeline.duration_ms': 12.5,
      },
    });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    await provider.shutdown();
    return { signal, protobuf: encodeLogRecords(records), json: logsCodec.toJson(logRecordsToOtlp(records)) };
  }
  if (signal === 'traces') {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource,
      spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })],
    });
    const span = provider.getTracer('lifeline.test').startSpan(`GET /users/:id ${testCase}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/users/:id', 'http.response.status_code': 500 },
    });
    span.addEvent('exception', { 'exception.type': 'Error' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    span.end();
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    await provider.shutdown();
    return { signal, protobuf: encodeSpans(spans), json: tracesCodec.toJson(spansToOtlp(spans)) };
  }
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('lifeline.test');
  meter.createCounter('http.server.requests').add(3, { 'http.route': '/users/:id' });
  meter
    .createHistogram('http.server.request.duration', { unit: 's' })
    .record(0.125, { 'http.route': '/users/:id' });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return {
    signal,
    protobuf: encodeResourceMetrics(resourceMetrics),
    json: metricsCodec.toJson(resourceMetricsToOtlp(resourceMetrics)),
  };
}
