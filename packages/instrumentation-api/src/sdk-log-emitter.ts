import type { Attributes, Context, HrTime, SpanContext } from '@opentelemetry/api';
import { context as contextApi, diag, isSpanContextValid, trace } from '@opentelemetry/api';
import { hrTimeFromMillis } from './hr-time.js';
import { countWithinLimits } from './sdk-attribute-limits.js';
import type { AttributeLimits } from './sdk-attribute-limits.js';
import type { AnyValue, LogAttributes, LogBody, Logger, LogRecord, SeverityNumber } from './logs-api.js';

/**
 * One of the instrumentation's own events: attributes built by this package, owned by the record
 * from here on (the caller never touches the object again).
 */
export interface OwnLogRecord {
  eventName: string;
  severityNumber: SeverityNumber;
  severityText: string;
  body: string;
  attributes: Attributes;
  /** Undefined: the active context, as `Logger.emit` does. */
  context: Context | undefined;
  /**
   * Epoch ms of the event, also its observed time (the instrumentation observed it then);
   * undefined: the time of the emit, as `Logger.emit` does.
   */
  timestamp?: number | undefined;
}

/**
 * Emits the instrumentation's own records into a Logger.
 *
 * Why not always `logger.emit`: the Logs SDK builds each record attribute by attribute, and each
 * attribute is validated with a fresh `WeakSet`, a count check and a truncation, about 0.9 µs of
 * the 1.5 µs the Logs SDK took per access event, nearly as much as the rest of the
 * instrumentation together. Our own
 * attributes are strings, numbers and booleans we just built, so the validation can be one pass
 * over them. When the logger is the OpenTelemetry JS SDK's own (detected by shape, directly or
 * behind the API's proxy), a record is built here with the same readable and writable surface as
 * the SDK's, and handed to the provider's processor chain exactly as `Logger.emit` hands it: the
 * logger's `enabled()` is asked first, the SDK's log counter is bumped, every registered processor
 * sees the record in `onEmit` and may change it, then it becomes read-only. Anything the fast path
 * cannot vouch for — another SDK, a value that is not a primitive, a count or length past the
 * provider's limits — goes through `logger.emit` unchanged.
 *
 * The fast path is keyed on the SDK line (see `sdkLogsLineOf`): each line it knows has a test that
 * fails when the path is not taken. A logger that looks like the OpenTelemetry JS SDK's but matches
 * no known line is reported once through `diag` and served by `logger.emit`.
 */
export function createLogEmitter(logger: Logger): (record: OwnLogRecord) => void {
  // Resolved until found, then kept: an SDK logger stays one, and the proxy's delegate, once
  // set, is never replaced.
  let found: SdkLogger | undefined;
  return (record) => {
    const sdk = (found ??= sdkLogger(logger));
    const count =
      sdk === undefined ? -1 : countWithinLimits(record.attributes, sdk._sharedState.logRecordLimits);
    if (sdk === undefined || count < 0) {
      const timed =
        record.timestamp === undefined ? record : { ...record, observedTimestamp: record.timestamp };
      logger.emit(timed as LogRecord);
      return;
    }
    const context = record.context ?? contextApi.active();
    if (!sdk.enabled({ context, severityNumber: record.severityNumber, eventName: record.eventName })) return;
    const shared = sdk._sharedState;
    const emitted = new SdkShapedLogRecord(shared, sdk._instrumentationScope, record, count, context);
    shared.loggerMetrics?.emitLog();
    shared.activeProcessor.onEmit(emitted, context);
    emitted._makeReadonly();
  };
}

/**
 * The OpenTelemetry JS Logs SDK lines the fast path was written against and is tested with:
 * `2.x` is `@opentelemetry/sdk-logs` 0.2xx (tested: 0.223), `3.x` is 3.x (tested: 3.1).
 */
export type SdkLogsLine = '2.x' | '3.x';

/** The parts of the OpenTelemetry JS SDK Logger (sdk-logs 0.223 and 3.1) the fast path relies on. */
interface SdkLogger {
  enabled(options: { context: Context; severityNumber: SeverityNumber; eventName: string }): boolean;
  _instrumentationScope: object;
  _sharedState: {
    resource: object;
    logRecordLimits: AttributeLimits;
    loggerMetrics?: { emitLog(): void };
    activeProcessor: { onEmit(record: SdkShapedLogRecord, context: Context): void };
  };
}

/**
 * The SDK line of a logger (behind the API's proxy once it has a delegate), told by the logger
 * configuration each line caches on its Logger: `{ disabled }` on 2.x, `{ enabled }` on 3.x.
 * Undefined when it is not an OpenTelemetry JS SDK Logger of a known line.
 */
export function sdkLogsLineOf(logger: Logger): SdkLogsLine | undefined {
  return knownLine(unwrapProxy(logger));
}

function sdkLogger(logger: Logger): SdkLogger | undefined {
  const candidate = unwrapProxy(logger);
  return knownLine(candidate) === undefined ? undefined : (candidate as unknown as SdkLogger);
}

/** The API's ProxyLogger keeps the SDK logger in `_delegate` once a provider is registered. */
function unwrapProxy(logger: Logger): Record<string, unknown> {
  const candidate = logger as unknown as Record<string, unknown>;
  const delegate = candidate['_delegate'];
  return delegate !== undefined && delegate !== null && typeof delegate === 'object'
    ? (delegate as Record<string, unknown>)
    : candidate;
}

let unknownSdkReported = false;

function knownLine(candidate: Record<string, unknown>): SdkLogsLine | undefined {
  const shared = candidate['_sharedState'] as Record<string, unknown> | undefined;
  if (shared === undefined || typeof shared !== 'object' || shared === null) return undefined;
  const config = candidate['_loggerConfig'] as Record<string, unknown> | undefined;
  const line: SdkLogsLine | undefined =
    typeof config?.['disabled'] === 'boolean'
      ? '2.x'
      : typeof config?.['enabled'] === 'boolean'
        ? '3.x'
        : undefined;
  if (
    line !== undefined &&
    typeof candidate['enabled'] === 'function' &&
    typeof candidate['_instrumentationScope'] === 'object' &&
    typeof shared['resource'] === 'object' &&
    typeof shared['logRecordLimits'] === 'object' &&
    typeof (shared['activeProcessor'] as { onEmit?: unknown } | undefined)?.onEmit === 'function'
  )
    return line;
  if (!unknownSdkReported) {
    unknownSdkReported = true;
    diag.info(
      '@otel-lifeline/instrumentation-api: this OpenTelemetry JS Logs SDK is not a line the fast emit path knows (2.x: sdk-logs 0.2xx, 3.x: sdk-logs 3.x); events go through Logger.emit',
    );
  }
  return undefined;
}

/**
 * The record handed to processors: the public surface of the SDK's LogRecordImpl
 * (ReadWriteLogRecord), writable during `onEmit` and read-only after it, as the SDK's is.
 */
class SdkShapedLogRecord {
  readonly resource: object;
  readonly instrumentationScope: object;
  readonly attributes: LogAttributes;
  private _hrTime: HrTime;
  private _hrTimeObserved: HrTime;
  private _spanContext: SpanContext | undefined;
  private _severityText: string | undefined;
  private _severityNumber: SeverityNumber | undefined;
  private _body: LogBody | undefined;
  private _eventName: string | undefined;
  private _attributesCount: number;
  private _droppedAttributesCount = 0;
  private _isReadonly = false;
  private readonly _limits: AttributeLimits;

  constructor(
    shared: SdkLogger['_sharedState'],
    instrumentationScope: object,
    record: OwnLogRecord,
    attributesCount: number,
    context: Context,
  ) {
    const time = hrTimeFromMillis(record.timestamp ?? Date.now());
    this._hrTime = time;
    this._hrTimeObserved = [time[0], time[1]];
    const spanContext = trace.getSpanContext(context);
    this._spanContext =
      spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
    this._severityNumber = record.severityNumber;
    this._severityText = record.severityText;
    this._body = record.body;
    this._eventName = record.eventName;
    this.resource = shared.resource;
    this.instrumentationScope = instrumentationScope;
    this._limits = shared.logRecordLimits;
    // Checked by countWithinLimits: primitives only, within the count and length limits.
    this.attributes = record.attributes as LogAttributes;
    this._attributesCount = attributesCount;
  }

  get hrTime(): HrTime {
    return this._hrTime;
  }
  set hrTime(value: HrTime) {
    if (!this.readonly()) this._hrTime = value;
  }
  get hrTimeObserved(): HrTime {
    return this._hrTimeObserved;
  }
  set hrTimeObserved(value: HrTime) {
    if (!this.readonly()) this._hrTimeObserved = value;
  }
  get spanContext(): SpanContext | undefined {
    return this._spanContext;
  }
  set spanContext(value: SpanContext | undefined) {
    if (!this.readonly()) this._spanContext = value;
  }
  get severityText(): string | undefined {
    return this._severityText;
  }
  set severityText(value: string | undefined) {
    if (!this.readonly()) this._severityText = value;
  }
  get severityNumber(): SeverityNumber | undefined {
    return this._severityNumber;
  }
  set severityNumber(value: SeverityNumber | undefined) {
    if (!this.readonly()) this._severityNumber = value;
  }
  get body(): LogBody | undefined {
    return this._body;
  }
  set body(value: LogBody | undefined) {
    if (!this.readonly()) this._body = value;
  }
  get eventName(): string | undefined {
    return this._eventName;
  }
  set eventName(value: string | undefined) {
    if (!this.readonly()) this._eventName = value;
  }
  get droppedAttributesCount(): number {
    return this._droppedAttributesCount;
  }

  /** The SDK's rules: empty keys and invalid values are dropped, the count limit drops new keys. */
  setAttribute(key: string, value?: AnyValue): this {
    if (this.readonly()) return this;
    if (key.length === 0) {
      diag.warn(`Invalid attribute key: ${key}`);
      return this;
    }
    if (!isLogAttributeValue(value, new WeakSet())) {
      diag.warn(`Invalid attribute value set for key: ${key}`);
      return this;
    }
    const isNew = !Object.prototype.hasOwnProperty.call(this.attributes, key);
    if (isNew && this._attributesCount >= this._limits.attributeCountLimit) {
      this._droppedAttributesCount++;
      if (this._droppedAttributesCount === 1) diag.warn('Dropping extra attributes.');
      return this;
    }
    (this.attributes as Record<string, AnyValue>)[key] = truncate(
      value,
      this._limits.attributeValueLengthLimit,
    );
    if (isNew) this._attributesCount++;
    return this;
  }
  setAttributes(attributes: LogAttributes): this {
    for (const [key, value] of Object.entries(attributes)) this.setAttribute(key, value);
    return this;
  }
  setBody(body: LogBody): this {
    this.body = body;
    return this;
  }
  setEventName(eventName: string): this {
    this.eventName = eventName;
    return this;
  }
  setSeverityNumber(severityNumber: SeverityNumber): this {
    this.severityNumber = severityNumber;
    return this;
  }
  setSeverityText(severityText: string): this {
    this.severityText = severityText;
    return this;
  }
  _makeReadonly(): void {
    this._isReadonly = true;
  }

  private readonly(): boolean {
    if (this._isReadonly) diag.warn('Can not execute the operation on emitted log record');
    return this._isReadonly;
  }
}

/** AnyValue as the SDK accepts it: primitives, bytes, arrays and plain objects, no cycles. */
function isLogAttributeValue(value: unknown, seen: WeakSet<object>): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  if (value instanceof Uint8Array) return true;
  if (type !== 'object') return false;
  const object = value as Record<string, unknown>;
  if (seen.has(object)) return false;
  seen.add(object);
  if (Array.isArray(object)) return object.every((item) => isLogAttributeValue(item, seen));
  if (object.constructor !== Object && object.constructor !== undefined) return false;
  for (const key in object) {
    if (Object.prototype.hasOwnProperty.call(object, key) && !isLogAttributeValue(object[key], seen))
      return false;
  }
  return true;
}

function truncate(value: AnyValue, limit: number): AnyValue {
  if (typeof value === 'string') return value.length <= limit ? value : value.substring(0, limit);
  if (Array.isArray(value)) return value.map((item) => truncate(item, limit));
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, AnyValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = truncate(item, limit);
    return out;
  }
  return value;
}
