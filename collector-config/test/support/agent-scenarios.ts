import type { LogRecord } from '@otel-lifeline/otlp';
import type { Receiver } from '@otel-lifeline/receiver';
import { expect, it } from 'vitest';
import type { Collector } from './collector-process.js';
import type { AgentUnderTest } from './lifeline-agent.js';
import { startLogTraffic } from './log-traffic.js';
import { recordMeasurement } from './measurements.js';
import { sleep, within } from './waiting.js';

/** How long a `hang` outage of losePrimary keeps the primary from answering. */
export const HANG_MS = 12_000;

/**
 * The primary goes away during traffic and comes back: `stop` stops its receiver (connections
 * refused, open sockets destroyed) and starts it again 1 s after the secondary got traffic; `hang`
 * makes it read every request and never answer for HANG_MS. `attributes` go on every record.
 */
export async function losePrimary(
  { primary, secondary, agent, report }: AgentUnderTest,
  outage: 'stop' | 'hang',
  attributes?: LogRecord['attributes'],
) {
  const traffic = startLogTraffic({ urls: [agent.otlpUrl], attributes });
  await within(10_000, () => primary.counts().logRecords >= 200);
  const outageStart = Date.now();
  if (outage === 'stop') await primary.stop();
  else primary.addFault({ kind: 'hang' }, { forMs: HANG_MS });
  const ackedAtStop = traffic.acked.size;
  const failoverMs = await within(20_000, () => secondary.counts().logRecords > 0);
  const ackedUntilFailover = traffic.acked.size - ackedAtStop;
  if (outage === 'stop') {
    await sleep(1_000);
    await primary.start();
  } else {
    await sleep(Math.max(0, outageStart + HANG_MS - Date.now()));
  }
  const before = primary.counts().logRecords;
  const failbackMs = await within(20_000, () => primary.counts().logRecords >= before + 200);
  await sleep(500);
  await traffic.stop();
  await within(30_000, () => report(traffic.acked).lost === 0);
  return {
    failoverFired: failoverMs !== undefined,
    msFromPrimaryStopToFirstRecordAtSecondary: failoverMs,
    recordsAckedBetweenPrimaryStopAndFailover: ackedUntilFailover,
    msFromPrimaryRestartToTrafficBackOnPrimary: failbackMs,
    recordsAtPrimary: primary.counts().logRecords,
    recordsAtSecondary: secondary.counts().logRecords,
    senderRetries: traffic.failedAttempts,
    ...report(traffic.acked),
  };
}

export type LosePrimaryResult = Awaited<ReturnType<typeof losePrimary>>;

/**
 * The tests every `losePrimary(agent, 'stop')` run must pass, whichever agent configuration it ran
 * on: the traffic moves to the secondary and back, and no acknowledged record is lost.
 */
export function itFailsOverAndBackWithoutLoss(result: () => LosePrimaryResult): void {
  it('moves the traffic to the secondary when the primary stops', () => {
    expect(result().failoverFired).toBe(true);
    expect(result().recordsAtSecondary).toBeGreaterThan(0);
  });

  it('moves the traffic back to the primary once it answers again', () => {
    expect(result().msFromPrimaryRestartToTrafficBackOnPrimary).toBeDefined();
  });

  it('delivers every acknowledged record to one of the two receivers', () => {
    expect(result().acked).toBeGreaterThan(200);
    expect(result().lost).toBe(0);
  });
}

/**
 * SIGKILL of the agent `kills` times during traffic, each once 200 more records reached the
 * primary; the agent is started again 200 ms after each kill.
 */
export async function sigkillRepeatedly(primary: Receiver, agent: Collector, kills: number): Promise<void> {
  for (let kill = 0; kill < kills; kill += 1) {
    const before = primary.counts().logRecords;
    await within(10_000, () => primary.counts().logRecords >= before + 200);
    await agent.kill('SIGKILL');
    await sleep(200);
    await agent.start();
  }
}

/**
 * `scenario` run on agent.yaml (the stock failover connector) and then on agent-lifeline.yaml, one
 * after the other in the same run; both results are recorded under `name` in `resultsFile`.
 */
export async function stockThenLifeline<T>(
  start: (config: string) => Promise<AgentUnderTest>,
  scenario: (setup: AgentUnderTest) => Promise<T>,
  measurement: { name: string; scenario: string; resultsFile: string },
): Promise<{ stock: T; lifeline: T }> {
  const stock = await scenario(await start('agent.yaml'));
  const lifeline = await scenario(await start('agent-lifeline.yaml'));
  recordMeasurement(
    measurement.name,
    { scenario: measurement.scenario, stockAgent: stock, lifelineAgent: lifeline },
    measurement.resultsFile,
  );
  return { stock, lifeline };
}
