import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createIncrementalLogsEncoder,
  createIncrementalSpansEncoder,
  encodeLogRecords,
  encodeSpans,
  logsCodec,
} from '@otel-lifeline/otlp';
import { logRecords, spans } from './fixtures/sdk-arbitraries.js';

const RUNS = 200;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A copy of `record` whose `eventName` (the last field written) throws when it is read. */
function failingLate(record: ReadableLogRecord, scope?: object): ReadableLogRecord {
  return Object.create(record, {
    eventName: {
      get() {
        throw new Error('eventName cannot be read');
      },
    },
    ...(scope !== undefined ? { instrumentationScope: { value: scope } } : {}),
  }) as ReadableLogRecord;
}

describe('incremental encoders', () => {
  it('build, one item at a time, the bytes encodeLogRecords writes for the same records, request after request', () => {
    const encoder = createIncrementalLogsEncoder();
    fc.assert(
      fc.property(logRecords, logRecords, (first, second) => {
        for (const batch of [first, second]) {
          for (const record of batch) encoder.add(record);
          expect(encoder.count).toBe(batch.length);
          expect(hex(encoder.finish())).toBe(hex(encodeLogRecords(batch)));
          expect(encoder.count).toBe(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('build the bytes encodeSpans writes for the same spans, request after request', () => {
    const encoder = createIncrementalSpansEncoder();
    fc.assert(
      fc.property(spans, spans, (first, second) => {
        for (const batch of [first, second]) {
          for (const span of batch) encoder.add(span);
          expect(hex(encoder.finish())).toBe(hex(encodeSpans(batch)));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('keep nothing of a record that throws half-way through its encoding', () => {
    fc.assert(
      fc.property(
        logRecords.filter((records) => records.length >= 2),
        ([first, second, ...rest]) => {
          const encoder = createIncrementalLogsEncoder();
          encoder.add(first!);
          // Half of it is written when it throws: in the group of the first record, and alone in
          // a scope of its own (whose envelope would then be empty).
          expect(() => encoder.add(failingLate(second!))).toThrow('eventName cannot be read');
          expect(() => encoder.add(failingLate(second!, { name: 'a scope of its own' }))).toThrow(
            'eventName cannot be read',
          );
          for (const record of [second!, ...rest]) encoder.add(record);
          expect(encoder.count).toBe(rest.length + 2);
          const bytes = encoder.finish();
          expect(hex(bytes)).toBe(hex(encodeLogRecords([first!, second!, ...rest])));
          expect(logsCodec.countEncodedItems(bytes)).toBe(rest.length + 2);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('return an empty request when nothing was added', () => {
    expect(createIncrementalLogsEncoder().finish()).toHaveLength(0);
    expect(hex(createIncrementalSpansEncoder().finish())).toBe(hex(encodeSpans([])));
  });
});
