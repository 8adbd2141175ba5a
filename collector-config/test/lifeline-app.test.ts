import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createDurableLogRecordProcessor } from '@otel-lifeline/exporter';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorBinary } from './support/collector-binary.js';
import { killAllCollectors } from './support/collector-process.js';
import { startAgentCollector } from './support/lifeline-agent.js';
import { SEQ_KEY, deliveryReport, seqCounts } from './support/log-traffic.js';
import { recordMeasurement } from './support/measurements.js';
import { sleep, within } from './support/waiting.js';

const binary = resolveCollectorBinary();

describe.skipIf(binary.skipReason !== undefined)(
  'an app with Lifeline sending through agent.yaml to two receivers',
  () => {
    const receivers: Receiver[] = [];
    let dir: string;
    let provider: LoggerProvider | undefined;
    let result: ReturnType<typeof deliveryReport> & {
      atPrimary: number;
      atSecondary: number;
      secondaryBeforePrimaryStopped: number;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lifeline-app-'));
      const primary = await createReceiver();
      const secondary = await createReceiver();
      receivers.push(primary, secondary);
      const agent = await startAgentCollector(binary.path ?? '', {
        primary: primary.url,
        secondary: secondary.url,
        queueDir: join(dir, 'agent-queue'),
      });

      // The app: Lifeline's durable processor (records on disk first), one endpoint, the agent.
      provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'checkout' }),
        processors: [
          createDurableLogRecordProcessor({
            endpoints: [{ url: `${agent.otlpUrl}/v1/logs` }],
            queueDir: join(dir, 'app-queue'),
            retry: { initialBackoffMs: 100, maxBackoffMs: 1_000 },
          }),
        ],
      });
      const logger = provider.getLogger('checkout');
      let seq = 0;
      const acked = new Set<number>();
      const emitFor = async (ms: number): Promise<void> => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          for (let i = 0; i < 20; i += 1) {
            logger.emit({
              severityNumber: SeverityNumber.INFO,
              body: `order ${seq}`,
              attributes: { [SEQ_KEY]: seq },
            });
            acked.add(seq);
            seq += 1;
          }
          await sleep(25);
        }
      };

      await emitFor(1_500);
      await within(10_000, () => primary.counts().logRecords > 0);
      const secondaryBeforePrimaryStopped = secondary.counts().logRecords;
      await primary.stop();
      await emitFor(8_000);
      await provider.forceFlush();
      await within(
        30_000,
        () =>
          deliveryReport(acked, seqCounts(primary.logRecords()), seqCounts(secondary.logRecords())).lost ===
          0,
      );
      result = {
        ...deliveryReport(acked, seqCounts(primary.logRecords()), seqCounts(secondary.logRecords())),
        atPrimary: primary.counts().logRecords,
        atSecondary: secondary.counts().logRecords,
        secondaryBeforePrimaryStopped,
      };
      // "acked" here is every record the app emitted: Lifeline owes delivery of all of them.
      const { acked: emitted, ...rest } = result;
      recordMeasurement('lifelineAppThroughAgent', {
        config: 'agent.yaml',
        app: 'LoggerProvider + createDurableLogRecordProcessor (endpoint: the agent)',
        scenario: 'emit 20 records every 25 ms; primary receiver stopped after 1.5 s; 8 s more traffic',
        emitted,
        ...rest,
      });
    });

    afterAll(async () => {
      await provider?.shutdown().catch(() => undefined);
      await killAllCollectors();
      await Promise.all(receivers.map((r) => r.close()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('sends to the primary while it is up', () => {
      expect(result.secondaryBeforePrimaryStopped).toBe(0);
      expect(result.atPrimary).toBeGreaterThan(0);
    });

    it('moves to the secondary when the primary stops, and every emitted record arrives', () => {
      expect(result.atSecondary).toBeGreaterThan(0);
      expect(result.lost).toBe(0);
    });
  },
);
