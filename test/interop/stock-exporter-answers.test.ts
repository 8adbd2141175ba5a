/**
 * Interop: the stock OpenTelemetry JS OTLP/HTTP trace exporters read the receiver's answers as the
 * OTLP spec intends — retry after 503 with Retry-After, never retry a partial success or a 400.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as TracesHttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let receiver: Receiver;
beforeEach(async () => {
  receiver = await createReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** Sends one finished span through a stock exporter and returns the exporter's verdict. */
async function exportOneSpan(protocol: 'http/protobuf' | 'http/json', name: string): Promise<ExportResult> {
  const finished = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: finished })] });
  provider.getTracer('answers').startSpan(name).end();
  await provider.forceFlush();
  const spans = finished.getFinishedSpans();
  expect(spans).toHaveLength(1);

  const options = { url: `${receiver.url}/v1/traces`, compression: CompressionAlgorithm.GZIP };
  const exporter =
    protocol === 'http/protobuf' ? new TracesProtoExporter(options) : new TracesHttpExporter(options);
  try {
    return await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
  } finally {
    await exporter.shutdown();
    await provider.shutdown();
  }
}

describe.each(['http/protobuf', 'http/json'] as const)(
  'stock %s exporter reading receiver answers',
  (protocol) => {
    it('retries after a 503 with Retry-After and then delivers', async () => {
      receiver.addFault({ kind: 'status', status: 503, retryAfter: 1 });
      const result = await exportOneSpan(protocol, 'after 503');
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(receiver.counts()).toMatchObject({ requests: 2, faulted: 1, spans: 1 });
      expect(receiver.spans().map(({ span }) => span.name)).toEqual(['after 503']);
    });

    it('takes a partial success as delivered and does not retry it', async () => {
      receiver.addFault({ kind: 'partial', rejected: 1, errorMessage: 'span too old' });
      const result = await exportOneSpan(protocol, 'partly rejected');
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(receiver.counts()).toMatchObject({ requests: 1, rejected: 1, spans: 1 });
    });

    it('takes a 400 with a google.rpc.Status body as a permanent failure and does not retry it', async () => {
      receiver.addFault({ kind: 'status', status: 400 });
      const result = await exportOneSpan(protocol, 'refused');
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error).toMatchObject({ code: 400 });
      expect(receiver.counts()).toMatchObject({ requests: 1, faulted: 1, spans: 0 });
    });
  },
);
