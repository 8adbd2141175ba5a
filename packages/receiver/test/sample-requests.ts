import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
} from '@otel-lifeline/otlp';

const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'receiver-test' } }] };
const scope = { name: 'receiver-test', version: '1.0.0' };

/** A logs request with `count` records whose bodies are `record 0`, `record 1`, ... */
export function sampleLogs(count: number, prefix = 'record'): ExportLogsServiceRequest {
  return {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            scope,
            logRecords: Array.from({ length: count }, (_, index) => ({
              timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(index)),
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: `${prefix} ${index}` },
              attributes: [{ key: 'index', value: { intValue: String(index) } }],
            })),
          },
        ],
      },
    ],
  };
}

export function sampleSpans(count: number): ExportTraceServiceRequest {
  return {
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope,
            spans: Array.from({ length: count }, (_, index) => ({
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: (0x1000 + index).toString(16).padStart(16, '0'),
              name: `span ${index}`,
              kind: 2,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000001000000',
            })),
          },
        ],
      },
    ],
  };
}

/** A metrics request with one sum metric holding `count` data points. */
export function sampleMetrics(count: number): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource,
        scopeMetrics: [
          {
            scope,
            metrics: [
              {
                name: 'requests',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: Array.from({ length: count }, (_, index) => ({
                    attributes: [{ key: 'route', value: { stringValue: `/r${index}` } }],
                    timeUnixNano: '1700000000000000000',
                    asInt: String(index + 1),
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}
