import { codecFor, type Signal } from '@otel-lifeline/otlp';
import type { Receiver } from '@otel-lifeline/receiver';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeConnectorQueueVariant, writeExporterQueuesVariant } from './support/agent-variants.js';
import { itFailsOverAndBackWithoutLoss, losePrimary } from './support/agent-scenarios.js';
import { resolveCollectorBinary } from './support/collector-binary.js';
import { useAgents, type AgentUnderTest } from './support/lifeline-agent.js';
import type { deliveryReport } from './support/log-traffic.js';
import { startLogTraffic } from './support/log-traffic.js';
import { recordMeasurement } from './support/measurements.js';
import { sdkRequest } from './support/sdk-requests.js';
import { sleep, within } from './support/waiting.js';

const binary = resolveCollectorBinary();
const CARD = '4111 1111 1111 1111';

describe.skipIf(binary.skipReason !== undefined)('agent: failover between two receivers', () => {
  const setup = useAgents(binary.path ?? '');

  /**
   * Primary stopped during traffic and started again 1 s after the secondary got traffic; every
   * record carries a credential and a card number the agent must remove on the way.
   */
  async function failoverScenario(agent: AgentUnderTest) {
    const result = await losePrimary(agent, 'stop', [
      { key: 'user.password', value: { stringValue: 'hunter2' } },
      { key: 'payment.note', value: { stringValue: `paid with ${CARD}` } },
    ]);
    const leaked = [...agent.primary.logRecords(), ...agent.secondary.logRecords()].filter(({ record }) =>
      (record.attributes ?? []).some(
        (kv) => kv.key === 'user.password' || (kv.value?.stringValue ?? '').includes(CARD),
      ),
    ).length;
    return { ...result, leaked };
  }

  describe('shipped agent.yaml (synchronous connector, primary without a queue, disk queue on the secondary)', () => {
    let result: Awaited<ReturnType<typeof failoverScenario>>;

    beforeAll(async () => {
      result = await failoverScenario(await setup('agent.yaml'));
      const { leaked: _leaked, ...counts } = result;
      recordMeasurement('failoverShippedAgent', {
        config: 'agent.yaml',
        scenario:
          'primary receiver stopped during traffic, started again 1 s after the secondary got traffic (failback interval 5s)',
        ...counts,
      });
    });

    itFailsOverAndBackWithoutLoss(() => result);

    it('removes credentials and masks card numbers on the way', () => {
      expect(result.leaked).toBe(0);
    });
  });

  describe('variant with a disk queue on each exporter (the documented layout)', () => {
    let result: ReturnType<typeof deliveryReport> & {
      atSecondaryWhilePrimaryDown: number;
      drainMs: number | undefined;
    };

    beforeAll(async () => {
      const { primary, secondary, agent, report } = await setup(writeExporterQueuesVariant);
      const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
      await within(10_000, () => primary.counts().logRecords >= 200);
      await primary.stop();
      // More than twice what the shipped agent needs to fail over (5 s retry budget).
      await sleep(12_000);
      const atSecondaryWhilePrimaryDown = secondary.counts().logRecords;
      await primary.start();
      await traffic.stop();
      const drainMs = await within(30_000, () => report(traffic.acked).lost === 0);
      result = { ...report(traffic.acked), atSecondaryWhilePrimaryDown, drainMs };
      recordMeasurement('failoverExporterQueuesVariant', {
        config:
          'agent.yaml with sending_queue.storage on both exporters (retried forever) and the connector queue disabled',
        scenario: 'primary receiver stopped for 12 s during traffic, then started again',
        failoverFired: atSecondaryWhilePrimaryDown > 0,
        recordsAtSecondaryWhilePrimaryDown: atSecondaryWhilePrimaryDown,
        msFromPrimaryRestartToAllDelivered: drainMs,
        ...report(traffic.acked),
      });
    });

    it('never fails over: the primary queue accepts everything and the secondary gets nothing', () => {
      expect(result.acked).toBeGreaterThan(200);
      expect(result.atSecondaryWhilePrimaryDown).toBe(0);
    });

    it('still loses nothing: the queued records reach the primary once it is back', () => {
      expect(result.lost).toBe(0);
    });
  });

  describe('variant with the disk queue on the failover connector', () => {
    let crashed = false;
    let panicked = false;
    let restartCrashes = false;
    let withGateOff: Awaited<ReturnType<typeof failoverScenario>>;

    beforeAll(async () => {
      const { primary, agent } = await setup(writeConnectorQueueVariant);
      const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
      await within(5_000, () => !agent.running || primary.counts().logRecords >= 200);
      await sleep(500);
      crashed = !agent.running;
      panicked = agent.output().includes('panic: Cannot unref freed data');
      await traffic.abandon();
      // The batch that crashed it is still in the disk queue: a restart replays it.
      await agent.start().catch(() => undefined);
      restartCrashes = (await within(5_000, () => !agent.running)) !== undefined;
      await agent.kill('SIGKILL');

      withGateOff = await failoverScenario(
        await setup(writeConnectorQueueVariant, ['--feature-gates=-pdata.enableRefCounting']),
      );
      const { leaked: _leaked, ...counts } = withGateOff;
      recordMeasurement('failoverConnectorQueueVariant', {
        config: 'agent.yaml with sending_queue.storage on the failover connectors',
        crashesWithDefaultFeatureGates: crashed,
        crashMessage: panicked ? 'panic: Cannot unref freed data' : undefined,
        restartOnTheSameQueueCrashesAgain: restartCrashes,
        withFeatureGateOff: {
          args: '--feature-gates=-pdata.enableRefCounting',
          ...counts,
        },
      });
    });

    it('crashes Collector v0.145.0 on the first batches with the default feature gates', () => {
      expect(crashed).toBe(true);
      expect(panicked).toBe(true);
    });

    it('crashes again when restarted on the same queue directory (a crash loop)', () => {
      expect(restartCrashes).toBe(true);
    });

    it('fails over without loss once pdata.enableRefCounting is turned off', () => {
      expect(withGateOff.failoverFired).toBe(true);
      expect(withGateOff.lost).toBe(0);
    });
  });
  describe('traces and metrics take the same failover path', () => {
    const statuses: number[] = [];
    let before: { spans: number; dataPoints: number } = { spans: 0, dataPoints: 0 };
    let after: {
      primary: { spans: number; dataPoints: number };
      secondary: { spans: number; dataPoints: number };
    };

    beforeAll(async () => {
      const { primary, secondary, agent } = await setup('agent.yaml');
      const post = async (signal: Signal, name: string): Promise<void> => {
        const request = await sdkRequest(signal, name);
        const response = await fetch(`${agent.otlpUrl}${codecFor(signal).path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: new Uint8Array(request.protobuf),
        });
        await response.arrayBuffer();
        statuses.push(response.status);
      };
      await post('traces', 'primary up');
      await post('metrics', 'primary up');
      before = { spans: primary.counts().spans, dataPoints: primary.counts().dataPoints };
      await primary.stop();
      await Promise.all([post('traces', 'primary down'), post('metrics', 'primary down')]);
      await within(10_000, () => secondary.counts().spans > 0 && secondary.counts().dataPoints > 0);
      const pick = (r: Receiver) => ({ spans: r.counts().spans, dataPoints: r.counts().dataPoints });
      after = { primary: pick(primary), secondary: pick(secondary) };
      await primary.start();
    });

    it('delivers spans and metric points to the primary while it is up', () => {
      expect(before).toEqual({ spans: 1, dataPoints: 2 });
    });

    it('delivers them to the secondary once the primary is down, and answers 200 throughout', () => {
      expect(after.secondary).toEqual({ spans: 1, dataPoints: 2 });
      expect(after.primary).toEqual(before);
      expect(statuses).toEqual([200, 200, 200, 200]);
    });
  });
});
