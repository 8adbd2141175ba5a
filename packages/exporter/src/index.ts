// SDK pieces
export type { DurableProcessorOptions } from './durable-processor.js';
export type { DurableLogRecordProcessor } from './durable-log-record-processor.js';
export { createDurableLogRecordProcessor } from './durable-log-record-processor.js';
export type { DurableSpanProcessor } from './durable-span-processor.js';
export { createDurableSpanProcessor } from './durable-span-processor.js';
export type { Delivered, DeliveryResult } from './delivery-result.js';
export type {
  ResilientLogRecordExporter,
  ResilientMetricExporter,
  ResilientMetricExporterOptions,
  ResilientSpanExporter,
} from './resilient-exporters.js';
export {
  createResilientLogRecordExporter,
  createResilientMetricExporter,
  createResilientSpanExporter,
} from './resilient-exporters.js';
export type { ResilienceOptions } from './resilience-options.js';

// The transport chain
export type { SendOptions, SendResult, Transport } from './transport.js';
export type { EndpointOptions, HttpTransport, HttpTransportOptions } from './http-transport.js';
export type { Compression, ZstdAcceptance } from './zstd-acceptance.js';
export { COMPRESSIONS } from './zstd-acceptance.js';
export { createHttpTransport } from './http-transport.js';
export { splitUserinfo } from './endpoint-credentials.js';
export type { EndpointCredentials } from './endpoint-credentials.js';
export type { RetryOptions } from './retrying-transport.js';
export { createRetryingTransport } from './retrying-transport.js';
export type {
  EndpointState,
  EndpointStatus,
  FailoverOptions,
  FailoverTransport,
} from './failover-transport.js';
export { createFailoverTransport } from './failover-transport.js';
export type { CursorDrainOptions, CursorDrainProgress, CursorDrainResult } from './cursor-drain.js';
export { drainCursor } from './cursor-drain.js';

// Dead letters, diagnostics, metrics, errors
export type { DeadLetterMetadata } from './dead-letter.js';
export { readDeadLetterFile } from './dead-letter.js';
export type { JoinedBatch } from './fragment-format.js';
export { isCompressedFragment, joinFragments, plainFragment } from './fragment-format.js';
export { channels as diagnosticsChannels } from './diagnostics.js';
export type { Clock, Sleep } from './clock.js';
export type { InstrumentKind, InstrumentRow, Instruments, InstrumentTable } from './instrument-table.js';
export { createInstruments } from './instrument-table.js';
export type { ExporterErrorCode } from './errors.js';
export { ExporterError } from './errors.js';
