import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logsCodec } from '@otel-lifeline/otlp';
import type { Receiver } from '@otel-lifeline/receiver';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorBinary } from './support/collector-binary.js';
import {
  HANG_MS,
  itFailsOverAndBackWithoutLoss,
  losePrimary,
  stockThenLifeline,
  type LosePrimaryResult,
} from './support/agent-scenarios.js';
import { metricSum, useAgents, writeMirrorVariant } from './support/lifeline-agent.js';
import { seqCounts, startLogTraffic } from './support/log-traffic.js';
import { lastRunDir, recordMeasurement } from './support/measurements.js';
import { within } from './support/waiting.js';

const binary = resolveCollectorBinary();
const resultsFile = join(lastRunDir, 'lifeline-exporter.json');

describe.skipIf(binary.skipReason !== undefined)('lifelineotlphttp exporter on the built Collector', () => {
  const start = useAgents(binary.path ?? '');

  describe('kill the primary: agent-lifeline.yaml against the stock failover connector (agent.yaml), same run', () => {
    let stock: LosePrimaryResult;
    let lifeline: LosePrimaryResult;
    let metrics = '';

    beforeAll(async () => {
      stock = await losePrimary(await start('agent.yaml'), 'stop');
      const agent = await start('agent-lifeline.yaml');
      lifeline = await losePrimary(agent, 'stop');
      metrics = await agent.metrics();
      const scenario =
        'primary receiver stopped during traffic (4 senders, 20 records per request), started again 1 s after the secondary got traffic; failback interval 5s';
      recordMeasurement(
        'killThePrimary',
        { scenario, stockAgent: stock, lifelineAgent: lifeline },
        resultsFile,
      );
    });

    itFailsOverAndBackWithoutLoss(() => lifeline);

    it('keeps acknowledging from its disk queue while the primary is dead', () => {
      expect(lifeline.recordsAckedBetweenPrimaryStopAndFailover).toBeGreaterThan(0);
    });

    it('measures the stock connector in the same run, which also fails over without loss', () => {
      expect(stock.failoverFired).toBe(true);
      expect(stock.lost).toBe(0);
    });

    it("reports the fail-over in the Collector's own telemetry", () => {
      expect(
        metricSum(metrics, 'otelcol_lifeline_failovers_total', {
          from: 'primary',
          to: 'secondary',
          data_type: 'logs',
        }),
      ).toBeGreaterThan(0);
      expect(
        metricSum(metrics, 'otelcol_lifeline_endpoint_attempts_total', {
          endpoint: 'primary',
          outcome: 'retryable',
          data_type: 'logs',
        }),
      ).toBeGreaterThan(0);
      expect(
        metricSum(metrics, 'otelcol_lifeline_endpoint_usable', { endpoint: 'secondary', data_type: 'logs' }),
      ).toBe(1);
      expect(metricSum(metrics, 'otelcol_exporter_sent_log_records_total')).toBeGreaterThanOrEqual(
        lifeline.acked,
      );
      expect(metrics).toContain('otelcol_exporter_queue_size');
    });
  });

  describe('a hung primary: agent-lifeline.yaml against agent.yaml, same run', () => {
    let stock: Awaited<ReturnType<typeof losePrimary>>;
    let lifeline: Awaited<ReturnType<typeof losePrimary>>;

    beforeAll(async () => {
      ({ stock, lifeline } = await stockThenLifeline(start, (agent) => losePrimary(agent, 'hang'), {
        name: 'hungPrimary',
        scenario: `primary receiver reads every request and never answers for ${HANG_MS / 1000} s during traffic (4 senders, 20 records per request); attempt timeout 5s; failback interval 5s`,
        resultsFile,
      }));
    });

    it('moves the batches to the secondary after the attempt timeout, and back once the primary answers', () => {
      expect(lifeline.failoverFired).toBe(true);
      expect(lifeline.msFromPrimaryStopToFirstRecordAtSecondary).toBeGreaterThanOrEqual(4_000);
      expect(lifeline.msFromPrimaryRestartToTrafficBackOnPrimary).toBeDefined();
    });

    it('delivers every record the agent acknowledged, as the stock connector does', () => {
      expect(lifeline.lost).toBe(0);
      expect(stock.failoverFired).toBe(true);
      expect(stock.lost).toBe(0);
    });
  });

  describe('a batch the primary rejects for good (HTTP 400)', () => {
    let files: string[] = [];
    let deadLetter = { header: {} as Record<string, unknown>, seqs: [] as number[] };
    let atSecondary = 0;
    let metrics = '';

    beforeAll(async () => {
      const setup = await start('agent-lifeline.yaml');
      const { dir, primary, secondary, agent } = setup;
      primary.addFault({ kind: 'status', status: 400 });
      const traffic = startLogTraffic({ urls: [agent.otlpUrl], concurrency: 1 });
      await within(10_000, () => primary.counts().logRecords >= 40);
      await traffic.stop();
      const deadLetterDir = join(dir, 'queue', 'dead-letter');
      await within(10_000, () => {
        try {
          files = readdirSync(deadLetterDir).filter((name) => name.endsWith('.deadletter'));
        } catch {
          files = [];
        }
        return files.length > 0;
      });
      const bytes = readFileSync(join(deadLetterDir, files[0] ?? 'none'));
      const newline = bytes.indexOf(0x0a);
      const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Record<string, unknown>;
      const request = logsCodec.decode(bytes.subarray(newline + 1));
      const records = (request.resourceLogs ?? []).flatMap((r) =>
        (r.scopeLogs ?? []).flatMap((s) => s.logRecords ?? []),
      );
      deadLetter = { header, seqs: [...seqCounts(records.map((record) => ({ record }))).keys()] };
      atSecondary = secondary.counts().logRecords;
      metrics = await setup.metrics();
    });

    it('keeps the batch, as sent, in one file of the dead-letter directory', () => {
      expect(files).toHaveLength(1);
      expect(deadLetter.header).toMatchObject({
        format: 'lifeline-dead-letter/1',
        signal: 'logs',
        status: 400,
        items: 20,
      });
      expect(deadLetter.seqs).toHaveLength(20);
    });

    it('does not send it to the secondary, which would reject the same bytes', () => {
      expect(atSecondary).toBe(0);
    });

    it('counts it', () => {
      expect(
        metricSum(metrics, 'otelcol_lifeline_dead_letter_items_total', { kept: 'true', data_type: 'logs' }),
      ).toBe(20);
      expect(metricSum(metrics, 'otelcol_exporter_send_failed_log_records_total')).toBe(20);
    });
  });

  describe('mirror mode: the secondary down for a while', () => {
    let acked = 0;
    let primaryHadAllWhileSecondaryDown = false;
    let secondaryBacklogMs: number | undefined;

    beforeAll(async () => {
      const { primary, secondary, agent } = await start(writeMirrorVariant);
      await secondary.stop();
      const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
      await within(10_000, () => traffic.acked.size >= 400);
      await traffic.stop();
      acked = traffic.acked.size;
      const has = (r: Receiver) => {
        const counts = seqCounts(r.logRecords());
        return [...traffic.acked].every((seq) => counts.has(seq));
      };
      primaryHadAllWhileSecondaryDown =
        (await within(10_000, () => has(primary))) !== undefined && !secondary.counts().logRecords;
      await secondary.start();
      secondaryBacklogMs = await within(30_000, () => has(secondary));
      recordMeasurement(
        'mirrorSecondaryDown',
        {
          acked,
          primaryHadAllWhileSecondaryDown,
          msFromSecondaryRestartToBacklogDelivered: secondaryBacklogMs,
        },
        resultsFile,
      );
    });

    it('delivers everything to the live endpoint without waiting for the dead one', () => {
      expect(acked).toBeGreaterThanOrEqual(400);
      expect(primaryHadAllWhileSecondaryDown).toBe(true);
    });

    it("delivers the dead endpoint's backlog from its own queue once it is back", () => {
      expect(secondaryBacklogMs).toBeDefined();
    });
  });
});
