import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type {
  DeliveryResult,
  DurableLogRecordProcessor,
  DurableSpanProcessor,
  ResilientMetricExporter,
} from '@otel-lifeline/exporter';
import type { Signal } from '../config/config-types.js';
import type { ExitDeadline } from './exit-deadline.js';

/** What `lifeline.forceFlush()` and `lifeline.shutdown()` resolve with. */
export interface DeliveryReport {
  /** Everything queued before the call, the previous run's backlog included, reached an endpoint. */
  readonly delivered: boolean;
  /** Queue records left on disk over all signals; the next start sends them. */
  readonly pendingRecords: number;
  /** Per running signal: what was left and where. */
  readonly signals: readonly DeliveryResult[];
}

/**
 * Lifeline's own parts as the SDK providers see them, with every forceFlush() and shutdown()
 * bounded by the exit deadline (the SDK calls them without a timeout) and their results kept for
 * the delivery report.
 */
export class DeliveryTracker {
  readonly #deadline: ExitDeadline;
  readonly #results = new Map<Signal, DeliveryResult>();
  /**
   * Run before the log and span processors flush or shut down: the API instrumentation's
   * `flushReports`, so that the requests already finished are in what they flush, whoever flushes
   * the providers (lifeline.forceFlush(), or the app through the global providers).
   */
  beforeFlush: () => void = () => undefined;

  constructor(deadline: ExitDeadline) {
    this.#deadline = deadline;
  }

  #track(signal: Signal, work: Promise<DeliveryResult>): Promise<void> {
    return work.then((result) => {
      this.#results.set(signal, result);
    });
  }

  #flush() {
    return { timeoutMillis: this.#deadline.flushRemainingMs() };
  }

  #shutdown() {
    return { timeoutMillis: this.#deadline.remainingMs() };
  }

  /** A log or span processor's forceFlush() and shutdown(): the finished requests reported first. */
  #reportsFirst(
    signal: 'logs' | 'traces',
    processor: Pick<DurableLogRecordProcessor | DurableSpanProcessor, 'forceFlush' | 'shutdown'>,
  ) {
    return {
      forceFlush: () => {
        this.beforeFlush();
        return this.#track(signal, processor.forceFlush(this.#flush()));
      },
      shutdown: () => {
        this.beforeFlush();
        return this.#track(signal, processor.shutdown(this.#shutdown()));
      },
    };
  }

  logProcessor(processor: DurableLogRecordProcessor): LogRecordProcessor {
    return {
      onEmit: (record: ReadWriteLogRecord, context?: Context) => processor.onEmit(record, context),
      ...this.#reportsFirst('logs', processor),
    };
  }

  spanProcessor(processor: DurableSpanProcessor): SpanProcessor {
    return {
      onStart: (span: Span, context: Context) => processor.onStart(span, context),
      onEnd: (span: ReadableSpan) => processor.onEnd(span),
      ...this.#reportsFirst('traces', processor),
    };
  }

  metricExporter(exporter: ResilientMetricExporter): PushMetricExporter {
    return {
      export: (metrics, done) => exporter.export(metrics, done),
      ...(exporter.selectAggregationTemporality
        ? { selectAggregationTemporality: exporter.selectAggregationTemporality.bind(exporter) }
        : {}),
      forceFlush: () => this.#track('metrics', exporter.forceFlush(this.#flush())),
      shutdown: () => this.#track('metrics', exporter.shutdown(this.#shutdown())),
    };
  }

  /** The latest flush or shutdown result of each signal. */
  report(): DeliveryReport {
    const signals = [...this.#results.values()];
    return {
      delivered: signals.every((s) => s.delivered),
      pendingRecords: signals.reduce((n, s) => n + s.pendingRecords, 0),
      signals,
    };
  }
}
