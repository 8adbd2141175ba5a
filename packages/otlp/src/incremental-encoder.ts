import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Resource as SdkResource } from '@opentelemetry/resources';
import { writeLogRecord } from './log-records-encoder.js';
import { ProtobufWriter, withWriter } from './protobuf-writer.js';
import { ResourceScopeGroups, writeResourceEnvelope } from './sdk-grouping.js';
import type { ScopeLike } from './sdk-grouping.js';
import { writeSpan } from './spans-encoder.js';

/**
 * An export request built one item at a time. Each item is encoded when it is added, while the
 * SDK's object is fresh (in the CPU's cache, not yet moved by the garbage collector), into the
 * bytes of its resource and scope's group; `finish()` wraps the groups in their envelopes:
 *
 *   add(record) ─► group of (resource, scope): [log_records field][log_records field]...
 *   finish()    ─► ExportLogsServiceRequest { resource_logs: resource, scope_logs { scope, those bytes } }
 *
 * `finish()` returns the bytes `encodeLogRecords` / `encodeSpans` return for the same items, in
 * the same order of groups (first appearance). Nothing keeps the items themselves.
 */
export interface IncrementalEncoder<T> {
  /** Encodes one item into the request being built. When it throws, nothing of the item stays. */
  add(item: T): void;
  /** Items added since the last `finish()`. */
  readonly count: number;
  /** The request holding every item added since the last `finish()`; the encoder is empty again. */
  finish(): Uint8Array;
}

/** A group's buffer kept for the next request, up to this size (a burst's larger one is let go). */
const RETAINED_GROUP_BYTES = 1024 * 1024;
const SPARE_GROUPS = 8;

function createIncrementalEncoder<T>(
  resourceOf: (item: T) => SdkResource,
  scopeOf: (item: T) => ScopeLike,
  writeItem: (w: ProtobufWriter, item: T) => void,
): IncrementalEncoder<T> {
  const spare: ProtobufWriter[] = [];
  const groups = new ResourceScopeGroups<ProtobufWriter>(() => {
    const writer = spare.pop() ?? new ProtobufWriter(16 * 1024);
    writer.reset();
    return writer;
  });
  let count = 0;
  const writeEncoded = (out: ProtobufWriter, encoded: ProtobufWriter): void =>
    out.raw(encoded.buf.subarray(0, encoded.pos));
  return {
    add(item) {
      const writer = groups.itemsOf(resourceOf(item), scopeOf(item));
      const at = writer.pos;
      try {
        writeItem(writer, item);
      } catch (error) {
        writer.pos = at;
        throw error;
      }
      count++;
    },
    get count() {
      return count;
    },
    finish() {
      try {
        return withWriter((out) => {
          for (const group of groups.groups) {
            // A group whose only item failed to encode holds nothing: no envelope for it.
            const scopes = group.scopes.filter((s) => s.items.pos > 0);
            if (scopes.length === 0) continue;
            writeResourceEnvelope(
              out,
              { field: group.resourceField, schemaUrl: group.resource.schemaUrl },
              scopes.map((s) => ({ field: s.scopeField, schemaUrl: s.scope.schemaUrl, items: [s.items] })),
              writeEncoded,
            );
          }
        });
      } finally {
        for (const group of groups.groups) {
          for (const s of group.scopes) {
            if (spare.length < SPARE_GROUPS && s.items.buf.length <= RETAINED_GROUP_BYTES)
              spare.push(s.items);
          }
        }
        groups.clear();
        count = 0;
      }
    },
  };
}

/** SDK log records → an ExportLogsServiceRequest, one record at a time. */
export function createIncrementalLogsEncoder(): IncrementalEncoder<ReadableLogRecord> {
  return createIncrementalEncoder<ReadableLogRecord>(
    (record) => record.resource,
    (record) => record.instrumentationScope as ScopeLike,
    writeLogRecord,
  );
}

/** SDK spans → an ExportTraceServiceRequest, one span at a time. */
export function createIncrementalSpansEncoder(): IncrementalEncoder<ReadableSpan> {
  return createIncrementalEncoder<ReadableSpan>(
    (span) => span.resource,
    (span) => span.instrumentationScope,
    writeSpan,
  );
}
