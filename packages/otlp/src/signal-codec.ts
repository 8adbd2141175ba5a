import { countEncodedFields } from './count-encoded-items.js';
import { messageFromJson } from './json-decoder.js';
import { messageToJson } from './json-encoder.js';
import type { ExportLogsServiceRequest } from './logs-types.js';
import { decodeMessage } from './message-decoder.js';
import { encodeMessage } from './message-encoder.js';
import { messageTable } from './message-table.js';
import type { ExportMetricsServiceRequest, Metric } from './metrics-types.js';
import { withWriter } from './protobuf-writer.js';
import { MessageName } from './schema.js';
import type { ExportTraceServiceRequest } from './trace-types.js';

export type Signal = 'logs' | 'traces' | 'metrics';

/** A normalised `partial_success`: zero rejected and an empty message is a full success. */
export interface ExportResult {
  rejected: number;
  errorMessage: string;
}

export interface SignalCodec<Req> {
  readonly signal: Signal;
  readonly path: '/v1/logs' | '/v1/traces' | '/v1/metrics';
  /** Export*ServiceRequest protobuf bytes. */
  encode(req: Req): Uint8Array;
  /** Throws OtlpDecodeError (code LIFELINE_ERR_DECODE) with the byte offset. */
  decode(bytes: Uint8Array): Req;
  /** OTLP-JSON text. */
  toJson(req: Req): string;
  /** Throws OtlpDecodeError; unknown fields are ignored. */
  fromJson(text: string): Req;
  /** Export*ServiceResponse protobuf bytes; `partial_success` is left unset on full success. */
  encodeResponse(res: ExportResult): Uint8Array;
  decodeResponse(bytes: Uint8Array): ExportResult;
  responseToJson(res: ExportResult): string;
  responseFromJson(text: string): ExportResult;
  /** Log records, spans or data points in the request. */
  countItems(req: Req): number;
  /** The same count, read from protobuf bytes without decoding them (throws OtlpDecodeError). */
  countEncodedItems(bytes: Uint8Array): number;
}

interface PartialSuccessResponse {
  partialSuccess?: Record<string, unknown>;
}

interface CodecSpec<Req> {
  signal: Signal;
  path: SignalCodec<Req>['path'];
  request: string;
  response: string;
  rejectedField: string;
  countPath: readonly (readonly number[])[];
  countItems(req: Req): number;
}

function createSignalCodec<Req extends object>(spec: CodecSpec<Req>): SignalCodec<Req> {
  const requestTable = messageTable(spec.request);
  const responseTable = messageTable(spec.response);
  const { rejectedField } = spec;

  const toResponse = (res: ExportResult): PartialSuccessResponse => {
    if (!Number.isSafeInteger(res.rejected) || res.rejected < 0) {
      throw new RangeError(`rejected must be a non-negative integer, got ${res.rejected}`);
    }
    if (res.rejected === 0 && res.errorMessage === '') return {};
    return { partialSuccess: { [rejectedField]: String(res.rejected), errorMessage: res.errorMessage } };
  };
  const fromResponse = (decoded: PartialSuccessResponse): ExportResult => {
    const partial = decoded.partialSuccess;
    if (partial === undefined) return { rejected: 0, errorMessage: '' };
    const rejected = Number(partial[rejectedField] ?? '0');
    return {
      // A negative count is nonsense from the server: read it as none rejected.
      rejected: rejected > 0 ? Math.min(rejected, Number.MAX_SAFE_INTEGER) : 0,
      errorMessage: typeof partial['errorMessage'] === 'string' ? partial['errorMessage'] : '',
    };
  };

  return {
    signal: spec.signal,
    path: spec.path,
    encode: (req) => withWriter((writer) => encodeMessage(writer, requestTable, req)),
    decode: (bytes) => decodeMessage<Req>(requestTable, bytes),
    toJson: (req) => messageToJson(requestTable, req),
    fromJson: (text) => messageFromJson<Req>(requestTable, text),
    encodeResponse: (res) => withWriter((writer) => encodeMessage(writer, responseTable, toResponse(res))),
    decodeResponse: (bytes) => fromResponse(decodeMessage<PartialSuccessResponse>(responseTable, bytes)),
    responseToJson: (res) => messageToJson(responseTable, toResponse(res)),
    responseFromJson: (text) =>
      text.trim() === ''
        ? { rejected: 0, errorMessage: '' }
        : fromResponse(messageFromJson(responseTable, text)),
    countItems: spec.countItems,
    countEncodedItems: (bytes) => countEncodedFields(bytes, spec.countPath),
  };
}

export const logsCodec: SignalCodec<ExportLogsServiceRequest> = createSignalCodec<ExportLogsServiceRequest>({
  signal: 'logs',
  path: '/v1/logs',
  request: MessageName.logsRequest,
  response: MessageName.logsResponse,
  rejectedField: 'rejectedLogRecords',
  countPath: [[1], [2], [2]],
  countItems: (req) => {
    let n = 0;
    for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
    return n;
  },
});

export const tracesCodec: SignalCodec<ExportTraceServiceRequest> =
  createSignalCodec<ExportTraceServiceRequest>({
    signal: 'traces',
    path: '/v1/traces',
    request: MessageName.traceRequest,
    response: MessageName.traceResponse,
    rejectedField: 'rejectedSpans',
    countPath: [[1], [2], [2]],
    countItems: (req) => {
      let n = 0;
      for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
      return n;
    },
  });

function countMetricPoints(metric: Metric): number {
  const data =
    metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data?.dataPoints.length ?? 0;
}

export const metricsCodec: SignalCodec<ExportMetricsServiceRequest> =
  createSignalCodec<ExportMetricsServiceRequest>({
    signal: 'metrics',
    path: '/v1/metrics',
    request: MessageName.metricsRequest,
    response: MessageName.metricsResponse,
    rejectedField: 'rejectedDataPoints',
    countPath: [[1], [2], [2], [5, 7, 9, 10, 11], [1]],
    countItems: (req) => {
      let n = 0;
      for (const rm of req.resourceMetrics) {
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += countMetricPoints(m);
      }
      return n;
    },
  });

type CodecOf<S extends Signal> = S extends 'logs'
  ? SignalCodec<ExportLogsServiceRequest>
  : S extends 'traces'
    ? SignalCodec<ExportTraceServiceRequest>
    : SignalCodec<ExportMetricsServiceRequest>;

export function codecFor<S extends Signal>(signal: S): CodecOf<S> {
  switch (signal) {
    case 'logs':
      return logsCodec as CodecOf<S>;
    case 'traces':
      return tracesCodec as CodecOf<S>;
    case 'metrics':
      return metricsCodec as CodecOf<S>;
    default:
      throw new TypeError(`unknown signal ${JSON.stringify(signal)}: expected logs, traces or metrics`);
  }
}
