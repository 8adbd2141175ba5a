// Encode real SDK log records straight to OTLP protobuf, concatenate two fragments, decode them as
// one request, and answer with a partial success — the path a durable exporter takes.
//
//   pnpm exec tsc -b packages/otlp && node packages/otlp/examples/round-trip.mjs
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { encodeLogRecords, logsCodec } from '@otel-lifeline/otlp';

const exporter = new InMemoryLogRecordExporter();
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout' }),
  processors: [new SimpleLogRecordProcessor({ exporter })],
});
const logger = provider.getLogger('example', '1.0.0');

logger.emit({ body: 'first', attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 200 } });
const first = encodeLogRecords(exporter.getFinishedLogRecords());
exporter.reset();
logger.emit({ body: 'second', severityNumber: 17, timestamp: [1_700_000_000, 123_456_789] });
const second = encodeLogRecords(exporter.getFinishedLogRecords());

// Two fragments, concatenated, are one ExportLogsServiceRequest.
const body = new Uint8Array(first.length + second.length);
body.set(first);
body.set(second, first.length);
console.log('items by scanning the bytes:', logsCodec.countEncodedItems(body));

const request = logsCodec.decode(body);
const records = request.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
console.log('bodies:', records.map((r) => r.body?.stringValue).join(', '));
console.log('second timeUnixNano:', records[1]?.timeUnixNano);
console.log('as OTLP-JSON:', logsCodec.toJson(request).slice(0, 120) + '…');

const response = logsCodec.encodeResponse({ rejected: 1, errorMessage: 'one record too old' });
console.log(
  'response:',
  logsCodec.decodeResponse(response),
  logsCodec.responseToJson(logsCodec.decodeResponse(response)),
);
await provider.shutdown();
