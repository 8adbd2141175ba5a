import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorBinary } from './support/collector-binary.js';
import { sigkillRepeatedly } from './support/agent-scenarios.js';
import { killAllCollectors } from './support/collector-process.js';
import { startAgentCollector } from './support/lifeline-agent.js';
import { deliveryReport, seqCounts, startLogTraffic } from './support/log-traffic.js';
import { recordMeasurement } from './support/measurements.js';
import { sleep, within } from './support/waiting.js';

const binary = resolveCollectorBinary();
describe.skipIf(binary.skipReason !== undefined)(
  'agent.yaml: kill -9 during traffic, restart on the same file_storage directory',
  () => {
    const receivers: Receiver[] = [];
    const dirs: string[] = [];

    async function setup() {
      const dir = mkdtempSync(join(tmpdir(), 'lifeline-crash-'));
      dirs.push(dir);
      const primary = await createReceiver();
      const secondary = await createReceiver();
      receivers.push(primary, secondary);
      const agent = await startAgentCollector(binary.path ?? '', {
        primary: primary.url,
        secondary: secondary.url,
        queueDir: join(dir, 'queue'),
      });
      const report = (acked: ReadonlySet<number>) =>
        deliveryReport(acked, seqCounts(primary.logRecords()), seqCounts(secondary.logRecords()));
      return { primary, secondary, agent, report };
    }

    afterAll(async () => {
      await killAllCollectors();
      await Promise.all(receivers.map((r) => r.close()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    describe('while the backends are up (nothing queued, batches in flight)', () => {
      const KILLS = 3;
      let report: ReturnType<typeof deliveryReport>;

      beforeAll(async () => {
        const { primary, agent, report: measure } = await setup();
        const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
        await sigkillRepeatedly(primary, agent, KILLS);
        await within(10_000, () => traffic.acked.size > 0 && primary.counts().logRecords > 0);
        await sleep(500);
        await traffic.stop();
        await within(30_000, () => measure(traffic.acked).lost === 0);
        report = measure(traffic.acked);
        recordMeasurement('sigkillBackendsUp', {
          config: 'agent.yaml',
          scenario: `${KILLS} x SIGKILL of the agent during traffic (4 senders, 20 records per request), restart after 200 ms on the same queue directory`,
          kills: KILLS,
          senderRetriesWhileDown: traffic.failedAttempts,
          ...report,
        });
      });

      it('loses no record the agent acknowledged', () => {
        expect(report.acked).toBeGreaterThan(600);
        expect(report.lost).toBe(0);
      });
    });

    describe('with a backlog on disk (both backends down), then the backends come back', () => {
      let report: ReturnType<typeof deliveryReport>;
      let ackedWhileDown = 0;

      beforeAll(async () => {
        const { primary, secondary, agent, report: measure } = await setup();
        await primary.stop();
        await secondary.stop();
        const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
        await within(10_000, () => traffic.acked.size >= 1_000);
        await traffic.stop();
        ackedWhileDown = traffic.acked.size;
        await agent.kill('SIGKILL');
        await agent.start();
        await primary.start();
        await secondary.start();
        await within(60_000, () => measure(traffic.acked).lost === 0);
        report = measure(traffic.acked);
        recordMeasurement('sigkillWithBacklog', {
          config: 'agent.yaml',
          scenario:
            'both receivers stopped; records acknowledged by the agent; SIGKILL; agent restarted; receivers started',
          ackedWhileBackendsDown: ackedWhileDown,
          ...report,
        });
      });

      it('acknowledges records while no backend answers (they are on disk)', () => {
        expect(ackedWhileDown).toBeGreaterThanOrEqual(1_000);
      });

      it('delivers every acknowledged record after the restart', () => {
        expect(report.lost).toBe(0);
      });
    });
    describe('graceful stop (SIGTERM) with a backlog on disk, then the backends come back', () => {
      let report: ReturnType<typeof deliveryReport>;
      let stopMs = 0;

      beforeAll(async () => {
        const { primary, secondary, agent, report: measure } = await setup();
        await primary.stop();
        await secondary.stop();
        const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
        await within(10_000, () => traffic.acked.size >= 1_000);
        await traffic.stop();
        const start = Date.now();
        await agent.stop();
        stopMs = Date.now() - start;
        await agent.start();
        await primary.start();
        await secondary.start();
        await within(60_000, () => measure(traffic.acked).lost === 0);
        report = measure(traffic.acked);
        recordMeasurement('sigtermWithBacklog', {
          config: 'agent.yaml',
          scenario:
            'both receivers stopped; records acknowledged by the agent; SIGTERM (graceful shutdown); agent restarted; receivers started',
          msToShutDown: stopMs,
          ...report,
        });
      });

      it('keeps the disk queue across a graceful shutdown and delivers every acknowledged record', () => {
        expect(report.acked).toBeGreaterThanOrEqual(1_000);
        expect(report.lost).toBe(0);
      });
    });
  },
);
