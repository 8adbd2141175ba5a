import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportLogsServiceRequest } from '@otel-lifeline/otlp';
import { logsCodec } from '@otel-lifeline/otlp';

const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../receiver/test/fixtures/tls');
export const pem = (name: string): Buffer => readFileSync(path.join(tlsDir, name));

/** An ExportLogsServiceRequest fragment holding log records numbered `from`..`from+count-1` (attribute `seq`). */
export function logsFragment(from: number, count = 1, service = 'checkout'): Uint8Array {
  const request: ExportLogsServiceRequest = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [
          {
            scope: { name: 'lifeline-test' },
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              severityNumber: 9,
              body: { stringValue: `record ${from + i}` },
              attributes: [{ key: 'seq', value: { intValue: String(from + i) } }],
            })),
          },
        ],
      },
    ],
  };
  return logsCodec.encode(request);
}

/** The `seq` attribute of every log record a receiver holds, in arrival order. */
export function seqs(
  records: ReadonlyArray<{ record: { attributes?: Array<{ key: string; value?: { intValue?: string } }> } }>,
): number[] {
  return records.map((r) =>
    Number(r.record.attributes?.find((a) => a.key === 'seq')?.value?.intValue ?? NaN),
  );
}
