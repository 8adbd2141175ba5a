import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorConfigDir, resolveCollectorBinary } from './support/collector-binary.js';
import { createCollector, killAllCollectors, type Collector } from './support/collector-process.js';
import { deliveryReport, seqCounts, startLogTraffic } from './support/log-traffic.js';
import { recordMeasurement } from './support/measurements.js';
import { sleep, within } from './support/waiting.js';

const binary = resolveCollectorBinary();

describe.skipIf(binary.skipReason !== undefined)(
  'gateway.yaml: two stateless gateways in front of one backend',
  () => {
    let backend: Receiver;
    let dir: string;
    let result: ReturnType<typeof deliveryReport> & {
      ackedWhileBackendDown: number;
      atBackendAfterGatewayKill: number;
      senderRetries: number;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lifeline-gateway-'));
      backend = await createReceiver();
      const gateways: Collector[] = [];
      for (let i = 0; i < 2; i += 1) {
        const gateway = await createCollector({
          binary: binary.path ?? '',
          config: join(collectorConfigDir, 'gateway.yaml'),
          env: { LIFELINE_COLLECTOR_BACKEND_ENDPOINT: backend.url },
        });
        await gateway.start();
        gateways.push(gateway);
      }
      const [first, second] = gateways as [Collector, Collector];
      // Each attempt goes to the other gateway, as through a load balancer; a failed one is retried there.
      const traffic = startLogTraffic({ urls: [first.otlpUrl, second.otlpUrl] });
      await within(10_000, () => backend.counts().logRecords >= 400);
      await first.kill('SIGKILL');
      const afterKill = backend.counts().logRecords;
      await within(10_000, () => backend.counts().logRecords >= afterKill + 400);
      const atBackendAfterGatewayKill = backend.counts().logRecords - afterKill;

      await backend.stop();
      await sleep(1_000); // requests answered before the stop settle
      const ackedAtOutageStart = traffic.acked.size;
      await sleep(3_000);
      const ackedWhileBackendDown = traffic.acked.size - ackedAtOutageStart;
      await backend.start();
      await first.start();
      await sleep(1_000);
      await traffic.stop();
      const covered = (): boolean =>
        deliveryReport(traffic.acked, seqCounts(backend.logRecords())).lost === 0;
      await within(20_000, covered);
      result = {
        ...deliveryReport(traffic.acked, seqCounts(backend.logRecords())),
        ackedWhileBackendDown,
        atBackendAfterGatewayKill,
        senderRetries: traffic.failedAttempts,
      };
      recordMeasurement('gatewayPair', {
        config: 'gateway.yaml',
        scenario:
          'two gateways, sender alternating between them (load balancer); SIGKILL of one gateway during traffic; backend stopped for 4 s; gateway and backend started again',
        ...result,
      });
    });

    afterAll(async () => {
      await killAllCollectors();
      await backend?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps delivering through the other gateway when one is killed', () => {
      expect(result.atBackendAfterGatewayKill).toBeGreaterThanOrEqual(400);
    });

    it('acknowledges nothing while the backend is down (the sender keeps the data)', () => {
      expect(result.ackedWhileBackendDown).toBe(0);
      expect(result.senderRetries).toBeGreaterThan(0);
    });

    it('loses no acknowledged record', () => {
      expect(result.acked).toBeGreaterThan(800);
      expect(result.lost).toBe(0);
    });
  },
);
