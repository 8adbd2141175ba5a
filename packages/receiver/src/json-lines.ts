import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  Signal,
} from '@otel-lifeline/otlp';
import { dataPointLines } from './data-point-lines.js';
import {
  attributesOf,
  durationMs,
  isoTime,
  plainValue,
  setIfPresent,
  withContext,
  type JsonObject,
} from './json-value.js';

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES = ['unset', 'ok', 'error'];

/**
 * One JSON line (no trailing newline) per log record, span or metric data point of a request,
 * with its resource and scope flattened in. The format is described in the package README.
 */
export function toJsonLines(signal: Signal, request: unknown): string[] {
  const objects =
    signal === 'logs'
      ? logLines(request as ExportLogsServiceRequest)
      : signal === 'traces'
        ? spanLines(request as ExportTraceServiceRequest)
        : dataPointLines(request as ExportMetricsServiceRequest);
  return objects.map((object) => JSON.stringify(object));
}

function logLines(request: ExportLogsServiceRequest): JsonObject[] {
  const lines: JsonObject[] = [];
  for (const resourceLogs of request.resourceLogs) {
    for (const scopeLogs of resourceLogs.scopeLogs) {
      for (const record of scopeLogs.logRecords) {
        const line: JsonObject = { signal: 'logs' };
        setIfPresent(line, 'time', isoTime(record.timeUnixNano));
        setIfPresent(line, 'observedTime', isoTime(record.observedTimeUnixNano));
        if (record.severityNumber) line['severityNumber'] = record.severityNumber;
        setIfPresent(line, 'severityText', record.severityText);
        setIfPresent(line, 'eventName', record.eventName);
        if (record.body !== undefined) line['body'] = plainValue(record.body);
        setIfPresent(line, 'attributes', attributesOf(record.attributes));
        setIfPresent(line, 'traceId', record.traceId);
        setIfPresent(line, 'spanId', record.spanId);
        if (record.flags) line['flags'] = record.flags;
        if (record.droppedAttributesCount) line['droppedAttributesCount'] = record.droppedAttributesCount;
        lines.push(withContext(line, resourceLogs.resource, scopeLogs.scope));
      }
    }
  }
  return lines;
}

function spanLines(request: ExportTraceServiceRequest): JsonObject[] {
  const lines: JsonObject[] = [];
  for (const resourceSpans of request.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const line: JsonObject = { signal: 'traces' };
        setIfPresent(line, 'name', span.name);
        setIfPresent(line, 'kind', SPAN_KINDS[span.kind ?? 0] ?? String(span.kind));
        setIfPresent(line, 'traceId', span.traceId);
        setIfPresent(line, 'spanId', span.spanId);
        setIfPresent(line, 'parentSpanId', span.parentSpanId);
        setIfPresent(line, 'traceState', span.traceState);
        if (span.flags) line['flags'] = span.flags;
        setIfPresent(line, 'start', isoTime(span.startTimeUnixNano));
        setIfPresent(line, 'end', isoTime(span.endTimeUnixNano));
        setIfPresent(line, 'durationMs', durationMs(span.startTimeUnixNano, span.endTimeUnixNano));
        const status: JsonObject = {
          code: STATUS_CODES[span.status?.code ?? 0] ?? String(span.status?.code),
        };
        setIfPresent(status, 'message', span.status?.message);
        line['status'] = status;
        setIfPresent(line, 'attributes', attributesOf(span.attributes));
        setIfPresent(
          line,
          'events',
          (span.events ?? []).map((event) => {
            const object: JsonObject = {};
            setIfPresent(object, 'time', isoTime(event.timeUnixNano));
            setIfPresent(object, 'name', event.name);
            setIfPresent(object, 'attributes', attributesOf(event.attributes));
            if (event.droppedAttributesCount) object['droppedAttributesCount'] = event.droppedAttributesCount;
            return object;
          }),
        );
        setIfPresent(
          line,
          'links',
          (span.links ?? []).map((link) => {
            const object: JsonObject = {};
            setIfPresent(object, 'traceId', link.traceId);
            setIfPresent(object, 'spanId', link.spanId);
            setIfPresent(object, 'traceState', link.traceState);
            if (link.flags) object['flags'] = link.flags;
            setIfPresent(object, 'attributes', attributesOf(link.attributes));
            if (link.droppedAttributesCount) object['droppedAttributesCount'] = link.droppedAttributesCount;
            return object;
          }),
        );
        if (span.droppedAttributesCount) line['droppedAttributesCount'] = span.droppedAttributesCount;
        if (span.droppedEventsCount) line['droppedEventsCount'] = span.droppedEventsCount;
        if (span.droppedLinksCount) line['droppedLinksCount'] = span.droppedLinksCount;
        lines.push(withContext(line, resourceSpans.resource, scopeSpans.scope));
      }
    }
  }
  return lines;
}
