import type { Attributes } from '@opentelemetry/api';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import type { Logger, LogRecord } from '@opentelemetry/api';
import { SeverityNumber, logs as logsApi3 } from '@opentelemetry/api';
import { logs as logsApi2 } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import * as sdkLogs3 from '@opentelemetry/sdk-logs';
import * as sdkLogs2 from 'sdk-logs-2x';
import { afterEach, describe, expect, it } from 'vitest';
import type { OwnLogRecord, SdkLogsLine } from '../src/sdk-log-emitter.js';
import { createLogEmitter, sdkLogsLineOf } from '../src/sdk-log-emitter.js';

// The fast path is keyed on the SDK line: every test runs against both lines' Logs SDK, each with
// its own global Logs API (api-logs beside API 1.9 on 2.x, @opentelemetry/api itself on 3.x).
type SdkLogs = typeof sdkLogs3;
const lines: Array<{ line: SdkLogsLine; sdk: SdkLogs; logs: typeof logsApi3 }> = [
  { line: '2.x', sdk: sdkLogs2 as unknown as SdkLogs, logs: logsApi2 as unknown as typeof logsApi3 },
  { line: '3.x', sdk: sdkLogs3, logs: logsApi3 },
];

const spanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};
const requestContext = trace.setSpanContext(ROOT_CONTEXT, spanContext);

function accessRecord(attributes: Attributes = accessAttributes()): OwnLogRecord {
  return {
    eventName: 'lifeline.api.access',
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'GET /users/:id 200 1.2 ms',
    attributes,
    context: requestContext,
  };
}

function accessAttributes(): Attributes {
  return {
    'http.request.method': 'GET',
    'url.path': '/users/42',
    'url.scheme': 'http',
    'http.route': '/users/:id',
    'http.response.status_code': 200,
    'network.protocol.version': '1.1',
    'lifeline.http.duration_ms': 1.234,
    'lifeline.sampled': true,
  };
}

/** The readable surface a processor or exporter sees, without the timestamps. */
function readable(record: ReadableLogRecord) {
  return {
    eventName: record.eventName,
    severityNumber: record.severityNumber,
    severityText: record.severityText,
    body: record.body,
    attributes: { ...record.attributes },
    droppedAttributesCount: record.droppedAttributesCount,
    spanContext: record.spanContext,
    resource: record.resource,
    instrumentationScope: record.instrumentationScope,
  };
}

describe.each(lines)('sdk log emitter on the $line line', ({ line, sdk, logs }) => {
  const { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, createLoggerConfigurator } =
    sdk;
  type LoggerProvider = InstanceType<typeof LoggerProvider>;

  function pipeline(
    options: ConstructorParameters<typeof LoggerProvider>[0] = {},
    extra: LogRecordProcessor[] = [],
  ) {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'emitter-test' }),
      ...options,
      processors: [...extra, new SimpleLogRecordProcessor({ exporter })],
    });
    return { exporter, provider, logger: provider.getLogger('@otel-lifeline/instrumentation-api', '1.0.0') };
  }

  const providers: LoggerProvider[] = [];
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((provider) => provider.shutdown()));
    logs.disable();
  });

  it(`recognises the ${line} Logs SDK, so the fast path is taken (fails if it would fall back)`, () => {
    const { exporter, provider, logger } = pipeline();
    providers.push(provider);
    expect(sdkLogsLineOf(logger)).toBe(line);
    createLogEmitter(logger)(accessRecord());
    logger.emit(accessRecord() as LogRecord);
    const [fast, stock] = exporter.getFinishedLogRecords();
    expect(fast!.constructor).not.toBe(stock!.constructor);
  });

  it("hands the processors the same record as the SDK's Logger.emit, without building it through LogRecordImpl", () => {
    const { exporter, provider, logger } = pipeline();
    providers.push(provider);
    const before = Date.now();
    createLogEmitter(logger)(accessRecord());
    logger.emit(accessRecord() as LogRecord);
    const after = Date.now();
    const [fast, stock] = exporter.getFinishedLogRecords();
    expect(fast!.constructor).not.toBe(stock!.constructor);
    expect(readable(fast!)).toEqual(readable(stock!));
    expect(fast!.resource).toBe(stock!.resource);
    expect(fast!.spanContext).toEqual(spanContext);
    for (const time of [fast!.hrTime, fast!.hrTimeObserved]) {
      const ms = time[0] * 1000 + time[1] / 1e6;
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
  });

  it('lets a processor change the record during onEmit under the SDK rules, and not after', () => {
    const kept: ReadWriteLogRecord[] = [];
    const editing: LogRecordProcessor = {
      onEmit(record) {
        record.setAttribute('added', 'yes');
        record.setAttribute('', 'empty key');
        record.setAttribute('bad', (() => 1) as unknown as string);
        record.setAttributes({ nested: { list: [1, 2] } });
        record.setBody('rewritten');
        record.setSeverityNumber(SeverityNumber.WARN);
        record.setSeverityText('WARN');
        record.setEventName('renamed');
        kept.push(record);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const { exporter, provider, logger } = pipeline({}, [editing]);
    providers.push(provider);
    createLogEmitter(logger)(accessRecord());
    logger.emit(accessRecord() as LogRecord);
    const [fast, stock] = exporter.getFinishedLogRecords();
    expect(readable(fast!)).toEqual(readable(stock!));
    expect(fast!.attributes['added']).toBe('yes');
    expect(fast!.body).toBe('rewritten');
    expect(fast!.eventName).toBe('renamed');
    expect(Object.keys(fast!.attributes)).not.toContain('bad');

    kept[0]!.setAttribute('late', 1);
    kept[0]!.setBody('late');
    kept[0]!.severityNumber = SeverityNumber.FATAL;
    expect(fast!.attributes['late']).toBeUndefined();
    expect(fast!.body).toBe('rewritten');
    expect(fast!.severityNumber).toBe(SeverityNumber.WARN);
  });

  it("keeps the provider's attribute limits: past them the record goes through Logger.emit", () => {
    const { exporter, provider, logger } = pipeline({
      logRecordLimits: { attributeCountLimit: 5, attributeValueLengthLimit: 4 },
    });
    providers.push(provider);
    createLogEmitter(logger)(accessRecord());
    logger.emit(accessRecord() as LogRecord);
    createLogEmitter(logger)(accessRecord({ short: 'abc', also: 1 }));
    const [overLimits, stock, within] = exporter.getFinishedLogRecords();
    expect(readable(overLimits!)).toEqual(readable(stock!));
    expect(overLimits!.droppedAttributesCount).toBe(3);
    expect(overLimits!.attributes['url.path']).toBe('/use');
    expect(overLimits!.constructor).toBe(stock!.constructor);
    expect(within!.constructor).not.toBe(stock!.constructor);
    expect(within!.attributes).toEqual({ short: 'abc', also: 1 });
  });

  it('leaves values other than strings, numbers and booleans to Logger.emit', () => {
    const { exporter, provider, logger } = pipeline();
    providers.push(provider);
    const attributes = { ...accessAttributes(), 'http.request.header.accept': ['application/json'] };
    createLogEmitter(logger)(accessRecord(attributes));
    logger.emit(accessRecord({ ...attributes }) as LogRecord);
    const [viaEmitter, stock] = exporter.getFinishedLogRecords();
    expect(viaEmitter!.constructor).toBe(stock!.constructor);
    expect(readable(viaEmitter!)).toEqual(readable(stock!));
  });

  it("asks the logger's enabled() first: minimum severity and a shut-down provider drop the record", async () => {
    // Counted by a processor of its own: the in-memory exporter forgets its records at shutdown.
    const seen: string[] = [];
    const counting: LogRecordProcessor = {
      onEmit: (record) => void seen.push(record.severityText ?? ''),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const { provider, logger } = pipeline(
      {
        loggerConfigurator: createLoggerConfigurator([
          { pattern: '*', config: { minimumSeverity: SeverityNumber.WARN } },
        ]),
      },
      [counting],
    );
    const emit = createLogEmitter(logger);
    emit(accessRecord());
    emit({ ...accessRecord(), severityNumber: SeverityNumber.WARN, severityText: 'WARN' });
    expect(seen).toEqual(['WARN']);
    await provider.shutdown();
    emit({ ...accessRecord(), severityNumber: SeverityNumber.ERROR, severityText: 'ERROR' });
    expect(seen).toEqual(['WARN']);
  });

  it('takes the active context when the record names none, as Logger.emit does', () => {
    const { exporter, provider, logger } = pipeline();
    providers.push(provider);
    createLogEmitter(logger)({ ...accessRecord(), context: undefined });
    expect(exporter.getFinishedLogRecords()[0]!.spanContext).toBeUndefined();
  });

  it("finds the SDK logger behind the API's global proxy once a provider is registered", () => {
    const proxied = logs.getLogger('@otel-lifeline/instrumentation-api');
    const emit = createLogEmitter(proxied);
    emit(accessRecord()); // no provider yet: the no-op logger takes it
    const { exporter, provider } = pipeline();
    providers.push(provider);
    logs.setGlobalLoggerProvider(provider);
    // The proxy resolves its delegate on its first emit; from the next record on it is found.
    emit(accessRecord());
    emit(accessRecord());
    const [first, second] = exporter.getFinishedLogRecords();
    expect(exporter.getFinishedLogRecords()).toHaveLength(2);
    expect(readable(second!)).toEqual(readable(first!));
    expect(second!.constructor).not.toBe(first!.constructor);
  });

  it('passes every record to a logger that is not the OpenTelemetry JS SDK through its emit()', () => {
    const seen: LogRecord[] = [];
    const other: Logger = { emit: (record) => void seen.push(record), enabled: () => true };
    createLogEmitter(other)(accessRecord());
    expect(seen).toHaveLength(1);
    expect(seen[0]!.eventName).toBe('lifeline.api.access');
    expect(seen[0]!.attributes).toEqual(accessAttributes());
  });
});

describe('sdk log emitter on other loggers', () => {
  it('does not take the fast path for a logger shaped like no known SDK line', () => {
    const seen: LogRecord[] = [];
    const lookalike = {
      _sharedState: { resource: {}, logRecordLimits: {}, activeProcessor: { onEmit: () => {} } },
      _instrumentationScope: {},
      _loggerConfig: { active: true },
      enabled: () => true,
      emit: (record: LogRecord) => void seen.push(record),
    };
    expect(sdkLogsLineOf(lookalike)).toBeUndefined();
    createLogEmitter(lookalike)(accessRecord());
    expect(seen).toHaveLength(1);
  });
});
