import * as otelApi from '@opentelemetry/api';
import { logs as logsApi2 } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import * as sdkLogs2 from 'sdk-logs-2x';
import { afterEach, describe, expect, it } from 'vitest';
import { globalLoggerProvider } from '../src/logs-api.js';
import { sdkLogsLineOf } from '../src/sdk-log-emitter.js';

afterEach(() => {
  otelApi.logs.disable();
  logsApi2.disable();
});

describe('global logger provider', () => {
  it('is the LoggerProvider registered with @opentelemetry/api on API 1.10 (the 3.x line)', () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    otelApi.logs.setGlobalLoggerProvider(provider);
    globalLoggerProvider().getLogger('test').emit({ eventName: 'lifeline.api.access', body: 'GET /' });
    expect(exporter.getFinishedLogRecords().map((r) => r.eventName)).toEqual(['lifeline.api.access']);
  });

  it('is the api-logs global LoggerProvider on API 1.9 (the 2.x line), even one registered later', () => {
    // An API without `logs`: API 1.9, where NodeSDK 2.x registers logs through api-logs.
    const logger = globalLoggerProvider({}).getLogger('test');
    logger.emit({ eventName: 'before registration' });
    const exporter = new sdkLogs2.InMemoryLogRecordExporter();
    const provider = new sdkLogs2.LoggerProvider({
      processors: [new sdkLogs2.SimpleLogRecordProcessor({ exporter })],
    });
    logsApi2.setGlobalLoggerProvider(provider);
    logger.emit({ eventName: 'lifeline.api.access', body: 'GET /' });
    expect(exporter.getFinishedLogRecords().map((r) => r.eventName)).toEqual(['lifeline.api.access']);
    // The SDK logger is found behind it, so the fast emit path is keyed on its line too.
    expect(sdkLogsLineOf(logger)).toBe('2.x');
  });
});
