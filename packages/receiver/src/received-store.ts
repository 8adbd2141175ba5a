import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  InstrumentationScope,
  LogRecord,
  Metric,
  Resource,
  Signal,
  Span,
} from '@otel-lifeline/otlp';
import type { ExportAttempt } from './export-attempt.js';

/** What the receiver has seen since it was created (or last cleared). Survives stop()/start(). */
export interface ReceiverCounts {
  /** Every HTTP request that reached the receiver, whatever its outcome. */
  requests: number;
  /** Items accepted and kept (including items a partial success reported as rejected). */
  logRecords: number;
  spans: number;
  dataPoints: number;
  /** Items reported as rejected in partial-success answers (by a `partial` fault or `onExport`). */
  rejected: number;
  /** Items answered 200 and thrown away by a `drop` fault. */
  dropped: number;
  /** Requests a scripted fault applied to. */
  faulted: number;
  /** Requests refused for what they were: 400, 404, 405, 413, 415. */
  invalid: number;
  /** Requests answered 503 + Retry-After because too many, or too many bytes, were being decoded. */
  busy: number;
}

export interface ReceivedRequests {
  logs: ExportLogsServiceRequest[];
  traces: ExportTraceServiceRequest[];
  metrics: ExportMetricsServiceRequest[];
}

export interface ReceivedLogRecord {
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
  record: LogRecord;
}

export interface ReceivedSpan {
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
  span: Span;
}

export interface ReceivedMetric {
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
  metric: Metric;
}

export interface ReceivedStore {
  readonly received: ReceivedRequests;
  readonly counts: ReceiverCounts;
  /** Records an accepted request of `items` items; keeps it when `keep` is on. */
  accept(signal: Signal, request: unknown, items: number): void;
  /** Starts the record of a request (kept when `keep` is on); the caller fills it in as it goes. */
  attempt(start: Pick<ExportAttempt, 'at' | 'method' | 'path'>): ExportAttempt;
  attempts(): ExportAttempt[];
  logRecords(): ReceivedLogRecord[];
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetric[];
  clear(): void;
}

const zeroCounts = (): ReceiverCounts => ({
  requests: 0,
  logRecords: 0,
  spans: 0,
  dataPoints: 0,
  rejected: 0,
  dropped: 0,
  faulted: 0,
  busy: 0,
  invalid: 0,
});

export function createReceivedStore(keep: boolean): ReceivedStore {
  // Arrays and counts are mutated in place so references handed out stay live.
  const received: ReceivedRequests = { logs: [], traces: [], metrics: [] };
  const counts = zeroCounts();
  const attempts: ExportAttempt[] = [];

  return {
    received,
    counts,
    accept(signal, request, items) {
      if (signal === 'logs') {
        counts.logRecords += items;
        if (keep) received.logs.push(request as ExportLogsServiceRequest);
      } else if (signal === 'traces') {
        counts.spans += items;
        if (keep) received.traces.push(request as ExportTraceServiceRequest);
      } else {
        counts.dataPoints += items;
        if (keep) received.metrics.push(request as ExportMetricsServiceRequest);
      }
    },
    attempt(start) {
      const attempt: ExportAttempt = {
        ...start,
        signal: undefined,
        fault: undefined,
        items: undefined,
        status: undefined,
      };
      if (keep) attempts.push(attempt);
      return attempt;
    },
    attempts() {
      return attempts.map((attempt) => ({ ...attempt }));
    },
    logRecords() {
      return received.logs.flatMap((request) =>
        request.resourceLogs.flatMap(({ resource, scopeLogs }) =>
          scopeLogs.flatMap(({ scope, logRecords }) =>
            logRecords.map((record) => ({ resource, scope, record })),
          ),
        ),
      );
    },
    spans() {
      return received.traces.flatMap((request) =>
        request.resourceSpans.flatMap(({ resource, scopeSpans }) =>
          scopeSpans.flatMap(({ scope, spans }) => spans.map((span) => ({ resource, scope, span }))),
        ),
      );
    },
    metrics() {
      return received.metrics.flatMap((request) =>
        request.resourceMetrics.flatMap(({ resource, scopeMetrics }) =>
          scopeMetrics.flatMap(({ scope, metrics }) =>
            metrics.map((metric) => ({ resource, scope, metric })),
          ),
        ),
      );
    },
    clear() {
      received.logs.length = 0;
      received.traces.length = 0;
      received.metrics.length = 0;
      attempts.length = 0;
      Object.assign(counts, zeroCounts());
    },
  };
}
