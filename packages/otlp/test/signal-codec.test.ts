import { describe, expect, it } from 'vitest';
import {
  OtlpDecodeError,
  OtlpEncodeError,
  codecFor,
  decodeStatus,
  encodeLogRecords,
  encodeStatus,
  logsCodec,
  metricsCodec,
  statusFromJson,
  statusToJson,
  tracesCodec,
} from '@otel-lifeline/otlp';
import type { ExportLogsServiceRequest } from '@otel-lifeline/otlp';
import { logRecords } from './fixtures/sdk-records.js';

const request: ExportLogsServiceRequest = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
      scopeLogs: [
        {
          scope: { name: 'lifeline' },
          logRecords: [
            {
              timeUnixNano: '1700000000123456789',
              body: { stringValue: 'one' },
              traceId: '0af7651916cd43dd8448eb211c80319c',
            },
            { severityNumber: 9, body: { intValue: '-9223372036854775808' } },
          ],
        },
      ],
    },
  ],
};

describe('signal codecs', () => {
  it('name their signal and URL path', () => {
    expect([logsCodec.signal, logsCodec.path]).toEqual(['logs', '/v1/logs']);
    expect([tracesCodec.signal, tracesCodec.path]).toEqual(['traces', '/v1/traces']);
    expect([metricsCodec.signal, metricsCodec.path]).toEqual(['metrics', '/v1/metrics']);
    expect(codecFor('logs')).toBe(logsCodec);
    expect(codecFor('traces')).toBe(tracesCodec);
    expect(codecFor('metrics')).toBe(metricsCodec);
    expect(() => codecFor('profiles' as 'logs')).toThrow(/unknown signal "profiles"/);
  });

  it('writes OTLP-JSON with hex ids, decimal-string 64-bit integers and integer enums', () => {
    const json = JSON.parse(logsCodec.toJson(request)) as {
      resourceLogs: [{ scopeLogs: [{ logRecords: Record<string, unknown>[] }] }];
    };
    const [first, second] = json.resourceLogs[0].scopeLogs[0].logRecords;
    expect(first).toEqual({
      timeUnixNano: '1700000000123456789',
      body: { stringValue: 'one' },
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    expect(second).toEqual({ severityNumber: 9, body: { intValue: '-9223372036854775808' } });
    expect(logsCodec.fromJson(logsCodec.toJson(request))).toEqual(request);
  });

  it('reads the JSON variants proto3 allows: snake_case keys, numbers for 64-bit, enum names, upper-case hex', () => {
    const text = JSON.stringify({
      resource_logs: [
        {
          scope_logs: [
            {
              log_records: [
                {
                  time_unix_nano: 1700000000,
                  severityNumber: 'SEVERITY_NUMBER_WARN',
                  traceId: '0AF7651916CD43DD8448EB211C80319C',
                  body: { doubleValue: 'NaN' },
                  unknownField: { anything: true },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(logsCodec.fromJson(text)).toEqual({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '1700000000',
                  severityNumber: 13,
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  body: { doubleValue: NaN },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('names the key and what was expected when JSON has the wrong shape', () => {
    expect(() =>
      logsCodec.fromJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"12x"}]}]}]}'),
    ).toThrow(
      /resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.timeUnixNano: expected a decimal integer string/,
    );
    expect(() =>
      logsCodec.fromJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]}'),
    ).toThrow(OtlpDecodeError);
    const syntax = (() => {
      try {
        logsCodec.fromJson('{"resourceLogs": []');
      } catch (error) {
        return error as OtlpDecodeError;
      }
      return undefined;
    })();
    expect(syntax?.code).toBe('LIFELINE_ERR_DECODE');
    expect(syntax?.offset).toBe(19);
  });

  it('encodes full success as an empty response and partial success with the rejected count', () => {
    expect(logsCodec.encodeResponse({ rejected: 0, errorMessage: '' })).toEqual(new Uint8Array(0));
    expect(logsCodec.responseToJson({ rejected: 0, errorMessage: '' })).toBe('{}');
    const partial = { rejected: 5, errorMessage: 'too old' };
    expect(logsCodec.decodeResponse(logsCodec.encodeResponse(partial))).toEqual(partial);
    expect(JSON.parse(logsCodec.responseToJson(partial))).toEqual({
      partialSuccess: { rejectedLogRecords: '5', errorMessage: 'too old' },
    });
    expect(JSON.parse(tracesCodec.responseToJson(partial))).toEqual({
      partialSuccess: { rejectedSpans: '5', errorMessage: 'too old' },
    });
    expect(JSON.parse(metricsCodec.responseToJson(partial))).toEqual({
      partialSuccess: { rejectedDataPoints: '5', errorMessage: 'too old' },
    });
    expect(metricsCodec.responseFromJson('{"partialSuccess":{"rejectedDataPoints":3}}')).toEqual({
      rejected: 3,
      errorMessage: '',
    });
    expect(logsCodec.responseFromJson('')).toEqual({ rejected: 0, errorMessage: '' });
    expect(logsCodec.decodeResponse(new Uint8Array(0))).toEqual({ rejected: 0, errorMessage: '' });
    // A warning: nothing rejected, a message.
    expect(
      tracesCodec.decodeResponse(tracesCodec.encodeResponse({ rejected: 0, errorMessage: 'slow down' })),
    ).toEqual({
      rejected: 0,
      errorMessage: 'slow down',
    });
  });

  it('decodes from a Buffer, and from a view into a larger buffer, as from a Uint8Array', () => {
    const bytes = logsCodec.encode(request);
    expect(logsCodec.decode(Buffer.from(bytes))).toEqual(request);
    const larger = new Uint8Array(bytes.length + 7).fill(0xff);
    larger.set(bytes, 3);
    const view = larger.subarray(3, 3 + bytes.length);
    expect(logsCodec.decode(view)).toEqual(request);
    expect(logsCodec.countEncodedItems(view)).toBe(2);
  });

  it('names the field path when an object cannot be encoded', () => {
    const bad = { resourceLogs: [{ scopeLogs: [{ logRecords: [{}, { timeUnixNano: '12x' }] }] }] };
    expect(() => logsCodec.encode(bad)).toThrow(
      /resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]\.timeUnixNano: expected a decimal integer string/,
    );
    expect(() =>
      logsCodec.encode({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ spanId: 'xyz' }] }] }] }),
    ).toThrow(OtlpEncodeError);
    expect(() =>
      logsCodec.toJson({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 1.5 }] }] }] }),
    ).toThrow(/logRecords\[0\]\.severityNumber: expected an integer/);
  });

  it('encodes google.rpc.Status bodies', () => {
    const status = { code: 3, message: 'bad field résumé' };
    expect(decodeStatus(encodeStatus(status))).toEqual(status);
    expect(JSON.parse(statusToJson(status))).toEqual(status);
    expect(statusFromJson(statusToJson(status))).toEqual(status);
    expect(decodeStatus(new Uint8Array(0))).toEqual({ code: 0, message: '' });
  });

  it('counts items in objects and in encoded bytes, also across concatenated requests', () => {
    const bytes = logsCodec.encode(request);
    expect(logsCodec.countItems(request)).toBe(2);
    expect(logsCodec.countEncodedItems(bytes)).toBe(2);
    const records = logRecords();
    const sdkBytes = encodeLogRecords(records);
    const both = new Uint8Array(bytes.length + sdkBytes.length);
    both.set(bytes);
    both.set(sdkBytes, bytes.length);
    expect(logsCodec.countEncodedItems(both)).toBe(2 + records.length);
    expect(logsCodec.countItems(logsCodec.decode(both))).toBe(2 + records.length);
    expect(logsCodec.countEncodedItems(new Uint8Array(0))).toBe(0);
  });

  it('throws OtlpDecodeError with the byte offset for malformed protobuf', () => {
    const bytes = logsCodec.encode(request);
    const truncated = bytes.subarray(0, bytes.length - 3);
    let error: unknown;
    try {
      logsCodec.decode(truncated);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect((error as OtlpDecodeError).code).toBe('LIFELINE_ERR_DECODE');
    expect(typeof (error as OtlpDecodeError).offset).toBe('number');
    expect(() => logsCodec.countEncodedItems(truncated)).toThrow(OtlpDecodeError);
    expect(() => logsCodec.decode(new Uint8Array([0x0f]))).toThrow(/invalid wire type 7 for field 1/);
  });
});
