import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, decodeStatus, logsCodec, metricsCodec, tracesCodec } from '@otel-lifeline/otlp';
import type { AnyValue, SignalCodec } from '@otel-lifeline/otlp';
import { logsRequest, metricsRequest, traceRequest } from './fixtures/otlp-arbitraries.js';

/** Runs `decode`; passes when it returns a value or throws OtlpDecodeError with an offset inside the input. */
function valueOrDecodeError(decode: () => unknown, length?: number): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    expect(error.code).toBe('LIFELINE_ERR_DECODE');
    if (length !== undefined) {
      expect(error.offset).toBeGreaterThanOrEqual(0);
      expect(error.offset).toBeLessThanOrEqual(length);
    }
  }
}

const codecs: Array<[string, SignalCodec<object>, fc.Arbitrary<object>]> = [
  ['logs', logsCodec as SignalCodec<object>, logsRequest],
  ['traces', tracesCodec as SignalCodec<object>, traceRequest],
  ['metrics', metricsCodec as SignalCodec<object>, metricsRequest],
];

describe.each(codecs)('%s decoder on malformed input', (_name, codec, request) => {
  it('returns a value or throws OtlpDecodeError with an offset for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        valueOrDecodeError(() => codec.decode(bytes), bytes.length);
        valueOrDecodeError(() => codec.countEncodedItems(bytes), bytes.length);
        valueOrDecodeError(() => codec.decodeResponse(bytes), bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a value or throws OtlpDecodeError for truncated and bit-flipped valid requests', () => {
    fc.assert(
      fc.property(request, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 }), (req, cut, flipAt, bit) => {
        const bytes = codec.encode(req);
        const truncated = bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length);
        valueOrDecodeError(() => codec.decode(truncated), truncated.length);
        valueOrDecodeError(() => codec.countEncodedItems(truncated), truncated.length);
        if (bytes.length > 0) {
          const flipped = bytes.slice();
          flipped[flipAt % flipped.length]! ^= 1 << bit;
          valueOrDecodeError(() => codec.decode(flipped), flipped.length);
          valueOrDecodeError(() => codec.countEncodedItems(flipped), flipped.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('returns a value or throws OtlpDecodeError for arbitrary and mangled JSON', () => {
    fc.assert(
      fc.property(request, fc.nat(), fc.string({ maxLength: 3 }), fc.json(), (req, at, insert, json) => {
        const text = codec.toJson(req);
        const i = at % (text.length + 1);
        valueOrDecodeError(() => codec.fromJson(text.slice(0, i) + insert + text.slice(i)));
        valueOrDecodeError(() => codec.fromJson(json));
        valueOrDecodeError(() => codec.responseFromJson(json));
      }),
      { numRuns: 500 },
    );
  });
});

describe('decoder limits', () => {
  function nested(depth: number): AnyValue {
    let value: AnyValue = { stringValue: 'leaf' };
    for (let i = 0; i < depth; i++) value = { arrayValue: { values: [value] } };
    return value;
  }
  const deepRequest = (depth: number) => ({
    resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: nested(depth) }] }] }],
  });

  it('refuses to encode cyclic objects instead of exhausting the stack', () => {
    const body: AnyValue = { arrayValue: { values: [] } };
    body.arrayValue!.values.push(body);
    const cyclic = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body }] }] }] };
    expect(() => logsCodec.encode(cyclic)).toThrow(/nested deeper than 100/);
    expect(() => logsCodec.toJson(cyclic)).toThrow(/nested deeper than 100/);
  });

  /** Bytes and JSON text of a log body nested `depth` arrays deep, built by hand (our encoders refuse it). */
  function deepBytes(depth: number): Uint8Array {
    const field = (tag: number, body: number[]): number[] => {
      const length: number[] = [];
      let n = body.length;
      while (n > 0x7f) {
        length.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      length.push(n);
      return [tag, ...length, ...body];
    };
    let anyValue = field(0x0a, [...Buffer.from('leaf')]); // AnyValue.string_value
    for (let i = 0; i < depth; i++) anyValue = field(0x2a, field(0x0a, anyValue)); // array_value { values }
    const logRecord = field(0x2a, anyValue); // LogRecord.body
    return new Uint8Array(field(0x0a, field(0x12, field(0x12, logRecord))));
  }
  function deepJson(depth: number): string {
    const body = '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"leaf"}' + ']}}'.repeat(depth);
    return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${body}}]}]}]}`;
  }

  it('refuses messages nested deeper than 100 levels instead of exhausting the stack', () => {
    expect(() => logsCodec.decode(deepBytes(200))).toThrow(/nested deeper than 100/);
    expect(() => logsCodec.decode(deepBytes(5000))).toThrow(/nested deeper than 100/);
    expect(() => logsCodec.fromJson(deepJson(200))).toThrow(/nested deeper than 100/);
    expect(logsCodec.decode(deepBytes(40))).toEqual(deepRequest(40));
    expect(logsCodec.fromJson(deepJson(40))).toEqual(deepRequest(40));
  });

  it('names the offset of a length that runs past the end of the input', () => {
    // resource_logs (field 1, length 100) with only two bytes following.
    const error = (() => {
      try {
        logsCodec.decode(new Uint8Array([0x0a, 100, 0x12, 0x00]));
      } catch (e) {
        return e as OtlpDecodeError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect(error?.offset).toBe(1);
    expect(error?.message).toMatch(/length 100 exceeds the 2 bytes left/);
  });

  it('rejects strings that are not UTF-8 and a varint longer than 10 bytes', () => {
    // ResourceLogs.schema_url (field 3) = 0xff
    expect(() => logsCodec.decode(new Uint8Array([0x0a, 0x03, 0x1a, 0x01, 0xff]))).toThrow(/not valid UTF-8/);
    expect(() =>
      logsCodec.decode(
        new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      ),
    ).toThrow(/varint longer than 10 bytes/);
    expect(() => decodeStatus(new Uint8Array([0x12, 0x05, 0x61]))).toThrow(OtlpDecodeError);
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const known = logsCodec.encode({ resourceLogs: [{ scopeLogs: [], schemaUrl: 'x' }] });
    const unknown = new Uint8Array([
      0xf8,
      0x07,
      0x05, // field 127 varint
      0xf9,
      0x07,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 127 fixed64
      0xfa,
      0x07,
      0x02,
      0xaa,
      0xbb, // field 127 length-delimited
      0xfd,
      0x07,
      1,
      2,
      3,
      4, // field 127 fixed32
      0xfb,
      0x07,
      0x08,
      0x01,
      0xfc,
      0x07, // group 127 { field 1 varint } end group 127
    ]);
    const both = new Uint8Array(unknown.length + known.length);
    both.set(unknown);
    both.set(known, unknown.length);
    expect(logsCodec.decode(both)).toEqual({ resourceLogs: [{ scopeLogs: [], schemaUrl: 'x' }] });
  });
});

describe('field numbers and ids at the edges', () => {
  it('skips an unknown field with the largest field number', () => {
    // Field 536870911 (2^29 - 1), varint: tag 0xfffffff8 → f8 ff ff ff 0f, value 1.
    const unknown = new Uint8Array([0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    expect(logsCodec.decode(unknown)).toEqual({ resourceLogs: [] });
  });

  it('rejects a trace or span id that is neither empty nor 16 / 8 bytes long, naming the field and offset', () => {
    const valid = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) };
    const ok = { resourceLogs: [{ scopeLogs: [{ logRecords: [valid] }] }] };
    expect(logsCodec.decode(logsCodec.encode(ok))).toEqual(ok);
    for (const bad of [{ traceId: 'ab'.repeat(200) }, { traceId: 'ab'.repeat(15) }, { spanId: '01' }]) {
      const req = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ ...valid, ...bad }] }] }] };
      // The encoder writes what it is given; the decoder is where bad input from a client stops.
      const bytes = logsCodec.encode(req);
      const field = 'traceId' in bad ? 'trace_id' : 'span_id';
      expect(() => logsCodec.decode(bytes)).toThrow(
        new RegExp(`${field}: expected (16|8) bytes \\(or none\\), got \\d+`),
      );
      expect(() => logsCodec.decode(bytes)).toThrow(expect.objectContaining({ offset: expect.any(Number) }));
      expect(() => logsCodec.fromJson(JSON.stringify(req))).toThrow(
        /expected (32|16) hex digits \(or none\)/,
      );
    }
  });
});
