// The collector-config section of BENCHMARKS.md: fail-over and crash tables from the collector-config
// test suite's measured.json, what to conclude, and where the figures come from.
import fs from 'node:fs';
import path from 'node:path';
import { decimal, integer, table } from './markdown.js';

// The collector-config test suite (run in CI against a real Collector) writes
// collector-config/results/last-run/measured.json (git-ignored) on every run; a run is published by
// copying it over collector-config/results/measured.json, and these tables are rendered from that.
export const COLLECTOR_RESULTS = 'collector-config/results/measured.json';

const seconds = (ms) => (Number.isFinite(ms) ? `${decimal(ms / 1000, 1)} s` : 'n/a');
/** A test parameter quoted from a section's `scenario` text, or undefined when the text changed. */
const scenarioParam = (section, pattern) => section?.scenario?.match(pattern)?.[1];
const lostCell = (s) => (s.lost === 0 ? '**0**' : `**${integer(s.lost)}**`);

/** "40 (all at both receivers)": extra copies, split by where they landed. */
function duplicatesCell(s) {
  if (!Number.isFinite(s.duplicates)) return 'n/a';
  if (s.duplicates === 0) return '0';
  const across = s.duplicatesAcrossReceivers ?? 0;
  const within = s.duplicatesWithinOneReceiver ?? 0;
  if (across === s.duplicates) return `${integer(s.duplicates)} (all at both receivers)`;
  if (within === s.duplicates) return `${integer(s.duplicates)} (all twice at one receiver)`;
  return `${integer(s.duplicates)} (${integer(across)} at both receivers, ${integer(within)} twice at one)`;
}

function failoverRows(c) {
  const rows = [];
  const queues = c.failoverExporterQueuesVariant;
  if (queues) {
    const outage = scenarioParam(queues, /stopped for (\d+(?:\.\d+)?) s/);
    const during = outage ? `during ${outage} s of primary outage` : 'while the primary was down';
    rows.push([
      'disk queue on each exporter, connector synchronous (the usual layout; baseline)',
      `${queues.failoverFired ? '**yes**' : '**no**'}: ${integer(queues.recordsAtSecondaryWhilePrimaryDown)} records at the secondary ${during}; the backlog reached the primary ${seconds(queues.msFromPrimaryRestartToAllDelivered)} after it came back`,
      integer(queues.acked),
      lostCell(queues),
      duplicatesCell(queues),
    ]);
  }
  const connector = c.failoverConnectorQueueVariant;
  if (connector) {
    const crash = connector.crashesWithDefaultFeatureGates
      ? `**crashes**: ${connector.crashMessage ? `\`${connector.crashMessage}\`` : 'exits'} on the first batches, and ${connector.restartOnTheSameQueueCrashesAgain ? 'again on every restart on the same queue directory (a crash loop)' : 'a restart on the same queue directory runs'}`
      : 'does not crash with the default feature gates';
    rows.push(['disk queue on the connector (`failover.sending_queue.storage`)', crash, '—', '—', '—']);
    const gateOff = connector.withFeatureGateOff;
    if (gateOff) {
      rows.push([
        `same, started with \`${gateOff.args}\``,
        gateOff.failoverFired
          ? `yes, after ${seconds(gateOff.msFromPrimaryStopToFirstRecordAtSecondary)}; back on the primary ${seconds(gateOff.msFromPrimaryRestartToTrafficBackOnPrimary)} after it restarted`
          : 'no record at the secondary within the wait',
        integer(gateOff.acked),
        lostCell(gateOff),
        duplicatesCell(gateOff),
      ]);
    }
  }
  const shipped = c.failoverShippedAgent;
  if (shipped) {
    const interval = scenarioParam(shipped, /failback interval (\d+(?:\.\d+)?)\s?s/);
    rows.push([
      '**shipped `agent.yaml`**: connector synchronous, primary without queue, disk queue on the secondary',
      shipped.failoverFired
        ? `**yes**: first record at the secondary ${seconds(shipped.msFromPrimaryStopToFirstRecordAtSecondary)} after the primary stopped; back on the primary ${seconds(shipped.msFromPrimaryRestartToTrafficBackOnPrimary)} after it restarted${interval ? ` (failback interval ${interval} s in the test)` : ''}`
        : '**no** record at the secondary within the wait',
      integer(shipped.acked),
      lostCell(shipped),
      duplicatesCell(shipped),
    ]);
  }
  return rows;
}

function crashRows(c) {
  const rows = [];
  const up = c.sigkillBackendsUp;
  if (up) {
    const restart = scenarioParam(up, /restart after (\d+) ms/);
    rows.push([
      `${up.kills} × SIGKILL during traffic, restart${restart ? ` after ${restart} ms` : ''}, both receivers up`,
      integer(up.acked),
      lostCell(up),
      duplicatesCell(up),
    ]);
  }
  const kill = c.sigkillWithBacklog;
  if (kill) {
    rows.push([
      `both receivers down, ${integer(kill.ackedWhileBackendsDown)} records acked into the disk queue, SIGKILL, restart, receivers back`,
      integer(kill.acked),
      lostCell(kill),
      duplicatesCell(kill),
    ]);
  }
  const term = c.sigtermWithBacklog;
  if (term) {
    rows.push([
      `the same with SIGTERM (graceful shutdown, took ${integer(term.msToShutDown)} ms) instead of SIGKILL`,
      integer(term.acked),
      lostCell(term),
      duplicatesCell(term),
    ]);
  }
  return rows;
}

const FILE_SINK_ENCODINGS = ['http/protobuf', 'http/json', 'http/protobuf+gzip'];
function fileSinkTable(sink) {
  const bySignal = new Map();
  for (const answer of sink.accepted ?? []) {
    const [signal, encoding] = answer.case.split(' ');
    if (!bySignal.has(signal)) bySignal.set(signal, {});
    bySignal.get(signal)[encoding] = answer;
  }
  const cell = (a) =>
    a ? `${a.status ?? 'no answer'} \`${a.contentType ?? '?'}\`, ${integer(a.rejected ?? 0)} rejected` : '—';
  return [
    table(
      ['`file-sink.yaml`: one request of Lifeline-encoded SDK data each', ...FILE_SINK_ENCODINGS],
      [...bySignal].map(([signal, answers]) => [signal, ...FILE_SINK_ENCODINGS.map((e) => cell(answers[e]))]),
      { textColumns: 1 + FILE_SINK_ENCODINGS.length },
    ),
    '',
    `Requests found in the sink's file: ${integer(sink.writtenToFile)} of ${integer(sink.expected)}.`,
  ].join('\n');
}

/** The collector-config tests' figures: fail-over layouts, crashes, the gateway pair, the file sink. */
export function collectorTables(c) {
  const parts = [];
  const failover = failoverRows(c);
  if (failover.length) {
    parts.push(
      '**Does `failover` fire with persistent queues?** Primary receiver stopped during traffic, then started again.',
      '',
      table(
        ['layout (`agent.yaml` and two variants of it)', 'fails over?', 'acked', 'lost', 'duplicates'],
        failover,
        { textColumns: 2 },
      ),
    );
  }
  const app = c.lifelineAppThroughAgent;
  if (app) {
    parts.push(
      '',
      `**An app with Lifeline through the shipped \`agent.yaml\`** (\`LoggerProvider\` + \`createDurableLogRecordProcessor\`, one endpoint: the agent): ${app.scenario}.`,
      '',
      table(
        ['records emitted by the app', 'at the primary', 'at the secondary', 'lost', 'duplicates'],
        [
          [
            integer(app.emitted),
            integer(app.atPrimary),
            `${integer(app.atSecondary)} (${integer(app.secondaryBeforePrimaryStopped)} before the primary stopped)`,
            lostCell(app),
            duplicatesCell(app),
          ],
        ],
      ),
    );
  }
  const crashes = crashRows(c);
  if (crashes.length) {
    parts.push(
      '',
      '**kill -9 of the shipped `agent.yaml`, restart on the same `file_storage` directory**',
      '',
      table(['scenario', 'acked', 'lost', 'duplicates'], crashes),
    );
  }
  const gw = c.gatewayPair;
  if (gw) {
    const outage = scenarioParam(gw, /backend stopped for (\d+(?:\.\d+)?) s/);
    parts.push(
      '',
      '**Two `gateway.yaml` processes**, the sender alternating between them like a load balancer, one backend: one gateway SIGKILLed during traffic, then the backend stopped' +
        (outage ? ` for ${outage} s` : '') +
        ', then both started again.',
      '',
      table(
        [
          'records delivered through the other gateway after the kill',
          'acked while the backend was down',
          'sender retries',
          'acked',
          'lost',
          'duplicates',
        ],
        [
          [
            integer(gw.atBackendAfterGatewayKill),
            `**${integer(gw.ackedWhileBackendDown)}**`,
            integer(gw.senderRetries),
            integer(gw.acked),
            lostCell(gw),
            duplicatesCell(gw),
          ],
        ],
      ),
    );
  }
  if (c.fileSinkProtocols) {
    parts.push(
      '',
      "**Lifeline's requests on the Collector's own OTLP receiver**",
      '',
      fileSinkTable(c.fileSinkProtocols),
    );
  }
  return parts.join('\n');
}

/** The scenarios that run the shipped files unchanged, with what the Collector owed delivery of. */
function shippedScenarios(c) {
  const app = c.lifelineAppThroughAgent;
  return [
    { label: 'fail-over', ...c.failoverShippedAgent },
    { label: 'the Lifeline app', ...app, acked: app?.emitted },
    { label: 'SIGKILL of the agent during traffic', ...c.sigkillBackendsUp },
    { label: 'SIGKILL with a backlog', ...c.sigkillWithBacklog },
    { label: 'SIGTERM with a backlog', ...c.sigtermWithBacklog },
    { label: 'a gateway killed and the backend down', ...c.gatewayPair },
  ].filter((s) => Number.isFinite(s.acked));
}

export function collectorConclusion(c) {
  const sentences = [];
  const shipped = c.failoverShippedAgent;
  const queues = c.failoverExporterQueuesVariant;
  const connector = c.failoverConnectorQueueVariant;
  if (shipped) {
    const against = [];
    if (queues) {
      against.push(
        queues.failoverFired
          ? `the usual layout with a disk queue on each exporter, which failed over as well (${integer(queues.recordsAtSecondaryWhilePrimaryDown)} records at the secondary while the primary was down)`
          : `the usual layout with a disk queue on each exporter, which did not fail over (${integer(queues.recordsAtSecondaryWhilePrimaryDown)} records at the secondary while the primary was down; its backlog waited for the primary)`,
      );
    }
    if (connector) {
      against.push(
        connector.crashesWithDefaultFeatureGates
          ? `a disk queue on the connector, which crashed the Collector${connector.restartOnTheSameQueueCrashesAgain ? ' in a loop' : ''}`
          : 'a disk queue on the connector, which ran',
      );
    }
    const outcome = shipped.failoverFired
      ? `the shipped \`agent.yaml\` failed over ${seconds(shipped.msFromPrimaryStopToFirstRecordAtSecondary)} after the primary stopped and went back ${seconds(shipped.msFromPrimaryRestartToTrafficBackOnPrimary)} after it restarted`
      : 'the shipped `agent.yaml` did not fail over within the wait';
    sentences.push(
      against.length ? `measured against ${against.join(', and against ')}, ${outcome}.` : `${outcome}.`,
    );
  }
  const runs = shippedScenarios(c);
  if (runs.length) {
    const acked = runs.reduce((sum, s) => sum + s.acked, 0);
    const lost = runs.reduce((sum, s) => sum + (s.lost ?? 0), 0);
    const duplicates = runs.reduce((sum, s) => sum + (s.duplicates ?? 0), 0);
    const lossText =
      lost === 0 ? `lost none of the ${integer(acked)}` : `lost ${integer(lost)} of the ${integer(acked)}`;
    const dupText =
      duplicates === 0
        ? 'delivered no extra copy'
        : `delivered ${integer(duplicates)} extra copies (${decimal((100 * duplicates) / acked, 2)}% of them: at least once, not exactly once)`;
    sentences.push(
      `In the ${runs.length} scenarios that run the shipped \`agent.yaml\` or \`gateway.yaml\` unchanged (${runs.map((r) => r.label).join(', ')}), the Collector ${lossText} records it acknowledged (or the app emitted) and ${dupText}.`,
    );
  }
  const gw = c.gatewayPair;
  if (gw) {
    sentences.push(
      gw.ackedWhileBackendDown === 0
        ? 'The gateways acknowledged nothing while their backend was down, so the sender kept the data.'
        : `The gateways acknowledged ${integer(gw.ackedWhileBackendDown)} records while their backend was down.`,
    );
  }
  const sink = c.fileSinkProtocols;
  if (sink) {
    const sent = sink.accepted ?? [];
    const ok = sent.filter((a) => a.status >= 200 && a.status < 300 && !a.rejected).length;
    const answered =
      ok === sent.length ? `all ${ok} of Lifeline's requests` : `${ok} of Lifeline's ${sent.length} requests`;
    sentences.push(
      `The Collector's own OTLP receiver answered ${answered} (each signal in each encoding) with a 2xx and no rejected item, and the file sink wrote ${integer(sink.writtenToFile)} of ${integer(sink.expected)} to its file.`,
    );
  }
  if (!sentences.length)
    sentences.push(`nothing yet: \`${COLLECTOR_RESULTS}\` holds no scenario this report knows.`);
  return `**What to conclude:** ${sentences.join(' ')}`;
}

/** "2026-11-22 02:46–02:48 UTC": when the sections in measured.json were last measured. */
function measuredSpan(c) {
  const dates = Object.values(c)
    .map((s) => s?.measuredAt)
    .filter((d) => typeof d === 'string')
    .sort();
  if (!dates.length) return 'at an unrecorded time';
  const day = (d) => d.slice(0, 10);
  const time = (d) => d.slice(11, 16);
  const first = dates[0];
  const last = dates.at(-1);
  if (day(first) !== day(last)) return `from ${day(first)} ${time(first)} to ${day(last)} ${time(last)} UTC`;
  return time(first) === time(last)
    ? `${day(first)} ${time(first)} UTC`
    : `${day(first)} ${time(first)}–${time(last)} UTC`;
}

/** Where the section's raw results come from (not from `pnpm bench`): read from the repository at `rootDir`. */
export const collectorSource = (rootDir) => ({
  read: () => {
    const file = path.join(rootDir, COLLECTOR_RESULTS);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
  },
  line: (c) =>
    `Measured ${measuredSpan(c)} by the collector-config test suite's last run against a real Collector (\`collector-config/build-collector.sh && pnpm exec vitest run collector-config\`, also run in CI), not by \`pnpm bench\`; raw results \`${COLLECTOR_RESULTS}\`, report [BENCHMARKS.md](/BENCHMARKS.md).`,
});
