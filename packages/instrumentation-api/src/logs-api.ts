import * as otelApi from '@opentelemetry/api';
import type { Context, TimeInput } from '@opentelemetry/api';

/**
 * The parts of the OpenTelemetry Logs API this package uses, declared here because they live in
 * different packages on the two SDK lines: `@opentelemetry/api-logs` beside API 1.9 (the 2.x
 * line), `@opentelemetry/api` itself from 1.10 (the 3.x line). Both declare the same shapes, so a
 * LoggerProvider of either line fits these types, and the package needs no dependency whose line
 * must match the application's.
 */
export type AnyValue =
  string | number | boolean | Uint8Array | null | undefined | AnyValue[] | { [key: string]: AnyValue };

export type LogAttributes = Record<string, AnyValue>;
export type LogBody = AnyValue;

/** The Logs data model's severity numbers (the values of the API's `SeverityNumber` enum). */
export const SeverityNumber = {
  UNSPECIFIED: 0,
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const;
export type SeverityNumber = number;

export interface LogRecord {
  eventName?: string;
  timestamp?: TimeInput;
  observedTimestamp?: TimeInput;
  severityNumber?: SeverityNumber;
  severityText?: string;
  body?: LogBody;
  attributes?: LogAttributes;
  context?: Context;
}

export interface Logger {
  emit(record: LogRecord): void;
}

export interface LoggerProvider {
  getLogger(name: string, version?: string, options?: { schemaUrl?: string }): Logger;
}

/** Where `@opentelemetry/api-logs` (API 1.9 and older) keeps the global LoggerProvider. */
const API_LOGS_GLOBAL = Symbol.for('io.opentelemetry.js.api.logs');
/** The compatibility version api-logs passes to that global's getter. */
const API_LOGS_COMPATIBILITY_VERSION = 1;

/**
 * The global LoggerProvider, wherever the application's SDK registered it: `logs` of
 * `@opentelemetry/api` on API 1.10 and later (NodeSDK 3.x), else the `@opentelemetry/api-logs`
 * global (NodeSDK 2.x), looked up on every emit until one is registered, so a provider registered
 * after this call is still found (as the API's own proxy does). `api` is the loaded
 * `@opentelemetry/api` module (a parameter for tests).
 */
export function globalLoggerProvider(api: object = otelApi): LoggerProvider {
  const logsApi = (api as { logs?: { getLoggerProvider(): LoggerProvider } }).logs;
  if (logsApi !== undefined) return logsApi.getLoggerProvider();
  return { getLogger: (name, version, options) => new LateLogger(name, version, options) };
}

/**
 * A logger that finds the api-logs global provider when it is first needed. Once found, the SDK
 * logger is kept in `_delegate`, the field the API's own ProxyLogger uses, so code that looks
 * behind a proxy (the SDK log emitter's fast path) sees it the same way.
 */
class LateLogger implements Logger {
  _delegate: Logger | undefined;

  constructor(
    private readonly name: string,
    private readonly version: string | undefined,
    private readonly options: { schemaUrl?: string } | undefined,
  ) {}

  emit(record: LogRecord): void {
    (this._delegate ?? this.resolve())?.emit(record);
  }

  private resolve(): Logger | undefined {
    const getter = (globalThis as Record<symbol, unknown>)[API_LOGS_GLOBAL];
    if (typeof getter !== 'function') return undefined;
    const provider = (getter as (version: number) => LoggerProvider | undefined)(
      API_LOGS_COMPATIBILITY_VERSION,
    );
    this._delegate = provider?.getLogger(this.name, this.version, this.options);
    return this._delegate;
  }
}
