export { createReceiver, type Receiver } from './receiver.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  type ExportHandler,
  type ExportInfo,
  type ExportVerdict,
  type ReceiverOptions,
  type ReceiverTlsOptions,
} from './receiver-options.js';
export type { Fault, FaultWhen } from './fault.js';
export type { ExportAttempt } from './export-attempt.js';
export type {
  ReceivedLogRecord,
  ReceivedMetric,
  ReceivedRequests,
  ReceivedSpan,
  ReceiverCounts,
} from './received-store.js';
export { toJsonLines } from './json-lines.js';
export { ReceiverError, type ReceiverErrorCode } from './errors.js';
