import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type {
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Signal } from '@otel-lifeline/otlp';
import { encodeLogRecords, encodeResourceMetrics, encodeSpans } from '@otel-lifeline/otlp';
import type { Delivered } from './delivery-result.js';
import { ExporterError } from './errors.js';
import type { ExportResult } from './export-result.js';
import { ExportResultCode } from './export-result.js';
import type { ResilienceOptions } from './resilience-options.js';
import type { SignalQueue } from './signal-queue.js';
import { createSignalQueue } from './signal-queue.js';

interface TimeoutOptions {
  /** Default flushTimeoutMs for forceFlush(), shutdownTimeoutMs for shutdown(). */
  timeoutMillis?: number;
}

/** forceFlush() and shutdown() send until delivered or the deadline, and resolve with what stays on disk. */
interface Delivering {
  forceFlush(options?: TimeoutOptions): Promise<Delivered>;
  shutdown(options?: TimeoutOptions): Promise<Delivered>;
}
export type ResilientLogRecordExporter = LogRecordExporter & Delivering;
export type ResilientSpanExporter = SpanExporter & Delivering;
export type ResilientMetricExporter = PushMetricExporter & Delivering;

/**
 * For users who keep the stock BatchLogRecordProcessor / BatchSpanProcessor /
 * PeriodicExportingMetricReader: export() appends the batch to the disk queue and reports
 * success once it is durable; the transport chain sends it from there.
 */
class DurableExport<T> {
  readonly signalQueue: SignalQueue;
  readonly #encode: (items: T) => Uint8Array;
  readonly #count: (items: T) => number;

  constructor(
    signal: Signal,
    options: ResilienceOptions,
    componentType: string,
    encode: (items: T) => Uint8Array,
    count: (items: T) => number,
  ) {
    this.signalQueue = createSignalQueue(signal, options, componentType);
    this.#encode = encode;
    this.#count = count;
  }

  export(items: T, done: (result: ExportResult) => void): void {
    const count = this.#count(items);
    if (this.signalQueue.isShutdown) {
      done({
        code: ExportResultCode.FAILED,
        error: new ExporterError('LIFELINE_ERR_SHUTDOWN', 'the exporter is shut down'),
      });
      return;
    }
    let fragment: Uint8Array;
    try {
      fragment = this.#encode(items);
    } catch (error) {
      this.signalQueue.outcomes.notQueued(count, 'encode_error');
      done({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    if (!this.signalQueue.append(fragment, count)) {
      this.signalQueue.outcomes.notQueued(count, this.signalQueue.lastRefusal, true);
      done({
        code: ExportResultCode.FAILED,
        error: new Error(
          `lifeline ${this.signalQueue.signal}: the disk queue dropped the batch (full or unavailable)`,
        ),
      });
      return;
    }
    this.signalQueue.outcomes.processed(count);
    this.signalQueue.flush().then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error as Error }),
    );
  }

  forceFlush(options?: TimeoutOptions): Promise<Delivered> {
    return this.signalQueue.forceFlush(options?.timeoutMillis) as Promise<Delivered>;
  }

  shutdown(options?: TimeoutOptions): Promise<Delivered> {
    return this.signalQueue.shutdown(options?.timeoutMillis) as Promise<Delivered>;
  }
}

export function createResilientLogRecordExporter(options: ResilienceOptions): ResilientLogRecordExporter {
  const durable = new DurableExport<ReadableLogRecord[]>(
    'logs',
    options,
    'lifeline_log_exporter',
    (logs) => encodeLogRecords(logs),
    (logs) => logs.length,
  );
  return {
    export: (logs, done) => durable.export(logs, done),
    forceFlush: (options?: TimeoutOptions) => durable.forceFlush(options),
    shutdown: (options?: TimeoutOptions) => durable.shutdown(options),
  };
}

export function createResilientSpanExporter(options: ResilienceOptions): ResilientSpanExporter {
  const durable = new DurableExport<ReadableSpan[]>(
    'traces',
    options,
    'lifeline_span_exporter',
    (spans) => encodeSpans(spans),
    (spans) => spans.length,
  );
  return {
    export: (spans, done) => durable.export(spans, done),
    forceFlush: (options?: TimeoutOptions) => durable.forceFlush(options),
    shutdown: (options?: TimeoutOptions) => durable.shutdown(options),
  };
}

// The SDK's enum values, written out so that this module does not load @opentelemetry/sdk-metrics
// (a peer dependency that apps exporting only logs or traces need not install).
const DELTA = 0 as AggregationTemporality;
const CUMULATIVE = 1 as AggregationTemporality;
const CUMULATIVE_ALWAYS = new Set<string>(['UP_DOWN_COUNTER', 'OBSERVABLE_UP_DOWN_COUNTER']);

export interface ResilientMetricExporterOptions extends ResilienceOptions {
  /** Default 'cumulative'. 'delta' reports counters and histograms as deltas, up-down counters cumulatively. */
  temporality?: 'cumulative' | 'delta';
}

export function createResilientMetricExporter(
  options: ResilientMetricExporterOptions,
): ResilientMetricExporter {
  const temporality = options.temporality ?? 'cumulative';
  if (temporality !== 'cumulative' && temporality !== 'delta') {
    throw new ExporterError(
      'LIFELINE_ERR_CONFIG',
      `invalid option temporality: got ${JSON.stringify(temporality)}, expected 'cumulative' or 'delta'`,
    );
  }
  const durable = new DurableExport<ResourceMetrics>(
    'metrics',
    options,
    'lifeline_metric_exporter',
    (rm) => encodeResourceMetrics(rm),
    (rm) =>
      rm.scopeMetrics.reduce(
        (n, sm) => n + sm.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0),
        0,
      ),
  );
  return {
    export: (rm, done) => {
      if (rm.scopeMetrics.every((sm) => sm.metrics.length === 0)) {
        done({ code: ExportResultCode.SUCCESS });
        return;
      }
      durable.export(rm, done);
    },
    forceFlush: (options?: TimeoutOptions) => durable.forceFlush(options),
    shutdown: (options?: TimeoutOptions) => durable.shutdown(options),
    selectAggregationTemporality: (instrumentType: InstrumentType) => {
      if (temporality === 'cumulative') return CUMULATIVE;
      return CUMULATIVE_ALWAYS.has(instrumentType) ? CUMULATIVE : DELTA;
    },
  };
}
