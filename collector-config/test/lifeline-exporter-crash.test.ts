import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorBinary } from './support/collector-binary.js';
import { sigkillRepeatedly, stockThenLifeline } from './support/agent-scenarios.js';
import { useAgents, type AgentUnderTest } from './support/lifeline-agent.js';
import { seqCounts, startLogTraffic } from './support/log-traffic.js';
import { lastRunDir } from './support/measurements.js';
import { sleep, within } from './support/waiting.js';

const binary = resolveCollectorBinary();
const resultsFile = join(lastRunDir, 'lifeline-exporter.json');
const KILLS = 3;

/**
 * What a failure message needs to explain a loss: the missing sequence numbers, what the receivers
 * refused, and the agent's warnings and errors (all its runs).
 */
function lossDiagnostics({ primary, secondary, agent }: AgentUnderTest, acked: ReadonlySet<number>) {
  const received = new Set([
    ...seqCounts(primary.logRecords()).keys(),
    ...seqCounts(secondary.logRecords()).keys(),
  ]);
  const missing = [...acked].filter((seq) => !received.has(seq)).sort((a, b) => a - b);
  const { rejected, invalid, dropped, faulted } = primary.counts();
  const agentLog = agent
    .output()
    .split('\n')
    .filter((line) => /\t(warn|error)\t|panic|dispatch|compact|--- start/i.test(line))
    .slice(-40)
    .join('\n');
  return `missing seqs ${JSON.stringify(missing.slice(0, 40))}; primary refused ${JSON.stringify({ rejected, invalid, dropped, faulted })}; agent log:\n${agentLog}`;
}

/** SIGKILL of the agent during traffic with both receivers up, restarted after 200 ms, KILLS times. */
async function sigkillUnderLoad(setup: AgentUnderTest) {
  const { primary, agent, report } = setup;
  const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
  await sigkillRepeatedly(primary, agent, KILLS);
  await within(10_000, () => primary.counts().logRecords > 0);
  await sleep(500);
  await traffic.stop();
  await within(30_000, () => report(traffic.acked).lost === 0);
  const result = report(traffic.acked);
  const diagnostics = result.lost > 0 ? lossDiagnostics(setup, traffic.acked) : undefined;
  return { kills: KILLS, senderRetriesWhileDown: traffic.failedAttempts, ...result, diagnostics };
}

/**
 * Both receivers stopped; the agent acknowledges what it can into its disk queue; SIGKILL; the
 * agent and then the receivers start again.
 */
async function backlogThroughSigkill({ primary, secondary, agent, report }: AgentUnderTest) {
  await primary.stop();
  await secondary.stop();
  const traffic = startLogTraffic({ urls: [agent.otlpUrl] });
  const filled = await within(15_000, () => traffic.acked.size >= 1_000);
  await traffic.abandon();
  const ackedWhileBackendsDown = traffic.acked.size;
  await agent.kill('SIGKILL');
  await agent.start();
  await primary.start();
  await secondary.start();
  const drainMs = await within(60_000, () => report(traffic.acked).lost === 0);
  return {
    msToAcknowledge1000WithBackendsDown: filled,
    ackedWhileBackendsDown,
    msFromBackendsBackToAllDelivered: drainMs,
    recordsAtPrimary: primary.counts().logRecords,
    recordsAtSecondary: secondary.counts().logRecords,
    ...report(traffic.acked),
  };
}

describe.skipIf(binary.skipReason !== undefined)(
  'lifelineotlphttp exporter: kill -9 of the Collector, agent-lifeline.yaml against agent.yaml in the same run',
  () => {
    const start = useAgents(binary.path ?? '');

    describe(`${KILLS} × SIGKILL under load, both receivers up`, () => {
      let stock: Awaited<ReturnType<typeof sigkillUnderLoad>>;
      let lifeline: Awaited<ReturnType<typeof sigkillUnderLoad>>;

      beforeAll(async () => {
        ({ stock, lifeline } = await stockThenLifeline(start, sigkillUnderLoad, {
          name: 'sigkillUnderLoad',
          scenario: `${KILLS} x SIGKILL of the agent during traffic (4 senders, 20 records per request), restart after 200 ms on the same queue directory`,
          resultsFile,
        }));
      });

      it('loses no record the agent acknowledged, and counts the duplicates', () => {
        expect(lifeline.acked).toBeGreaterThan(600);
        expect(lifeline.lost, lifeline.diagnostics).toBe(0);
        expect(lifeline.delivered).toBe(lifeline.uniqueDelivered + lifeline.duplicates);
      });

      it('measures the stock agent in the same run', () => {
        expect(stock.lost).toBe(0);
      });
    });

    describe('both backends down, SIGKILL with the backlog on disk, then everything back', () => {
      let stock: Awaited<ReturnType<typeof backlogThroughSigkill>>;
      let lifeline: Awaited<ReturnType<typeof backlogThroughSigkill>>;

      beforeAll(async () => {
        ({ stock, lifeline } = await stockThenLifeline(start, backlogThroughSigkill, {
          name: 'backlogThroughSigkill',
          scenario:
            'both receivers stopped; senders run until 1000 records are acknowledged (15 s at most); SIGKILL; agent restarted; receivers started',
          resultsFile,
        }));
      });

      it('acknowledges into its disk queue while no backend answers', () => {
        expect(lifeline.ackedWhileBackendsDown).toBeGreaterThanOrEqual(1_000);
      });

      it('delivers the whole backlog once the backends are back', () => {
        expect(lifeline.msFromBackendsBackToAllDelivered).toBeDefined();
        expect(lifeline.lost).toBe(0);
      });

      it('measures the stock agent in the same run', () => {
        expect(stock.lost).toBe(0);
      });
    });
  },
);
