// bench:http's section of BENCHMARKS.md (and the READMEs' bench:http blocks): the headline table
// with its fixed-rate, idle and no-socket breakdown tables, and what to conclude from them.
import { decimal, integer, ratio, spread, table } from './markdown.js';

export const HTTP_LABELS = {
  'fastify-bare': 'bare Fastify (baseline)',
  'fastify-lifeline':
    'Fastify, `--import @otel-lifeline/node/register`, defaults, exporting to a receiver process',
  'fastify-otel':
    'Fastify, stock OpenTelemetry (NodeSDK, http + @fastify/otel, OTLP exporters) to the same receiver',
  'express-bare': 'bare Express (baseline of the Express rows)',
  'express-lifeline':
    'Express, `--import @otel-lifeline/node/register`, defaults, exporting to a receiver process',
  'express-otel':
    'Express, stock OpenTelemetry (auto-instrumentations-node/register, OTLP exporters) to the same receiver',
  'fastify-lifeline-no-traces':
    'breakdown: Fastify, the distribution with traces off (`OTEL_TRACES_EXPORTER=none`)',
  'express-lifeline-no-traces':
    'breakdown: Express, the distribution with traces off (`OTEL_TRACES_EXPORTER=none`)',
  'fastify-lifeline-no-logs':
    'breakdown: Fastify, the distribution with access events off (`OTEL_LOGS_EXPORTER=none`)',
  'fastify-lifeline-no-metrics':
    'breakdown: Fastify, the distribution with metrics off (`OTEL_METRICS_EXPORTER=none`)',
  'fastify-lifeline-sampled-tenth':
    'breakdown: Fastify, the distribution sampling 1 trace in 10 (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`)',
  'fastify-lifeline-batched':
    'breakdown: Fastify, the distribution by `start()`, finished requests reported in one batch per event-loop turn (`batchReports`, the default)',
  'fastify-lifeline-unbatched':
    'breakdown: Fastify, the distribution by `start()`, each finished request reported in its finish callback (`batchReports: false`)',
  'fastify-handwired-null':
    'breakdown: Fastify, instrumentApi wired by hand, events and metrics dropped in process (no spans, no export)',
};
export function httpTable(http) {
  const rows = Object.entries(http.variants).map(([name, v]) => [
    HTTP_LABELS[name] ?? name,
    spread(v.requestsPerSecond, 0),
    spread(v.p99Ms, 0),
    ratio(v.ratioToBare),
    spread(v.serverCpuMicrosecondsPerRequest, 1),
    ratio(v.cpuRatioToBare),
  ]);
  return [
    table(
      [
        'variant',
        'requests/s',
        'p99 latency (ms)',
        'ratio to bare',
        'server CPU µs/request',
        'capacity ratio (by CPU)',
      ],
      rows,
    ),
    '',
    `${http.settings.rounds} interleaved rounds of ${http.settings.secondsPerRound} s, ${http.settings.connections} connections, \`${http.settings.route}\`, load from autocannon in another process; every server started as a user starts it, each in its own process; server CPU is the whole process (every thread, from /proc)` +
      (http.settings.serverProcessesPerVariant > 1
        ? `; ${http.settings.serverProcessesPerVariant} server processes per variant, used in alternate rounds`
        : '') +
      (http.settings.pinnedCpus
        ? `; servers pinned to CPU ${http.settings.pinnedCpus.server}, the load generator${http.settings.receiverCpu ? ' and the receiver' : ''} to CPU ${http.settings.pinnedCpus.load}`
        : '') +
      '. The first six rows are the headline (what ships, and stock OpenTelemetry doing the same work); rows marked breakdown are partial configurations that show where the cost is. Each Express row is compared with bare Express, each Fastify row with bare Fastify. The receiver takes zstd, as the Collector does: the distribution, with its default compression (`auto`), sends each signal gzip until the receiver has taken a request, then zstd, and stores zstd from then on; the stock exporters send their default, uncompressed protobuf. Published references for instrumented servers sit at 0.19–0.56× bare.',
    ...httpFixedRateTable(http),
    ...httpIdleTable(http),
    ...(http.breakdownMicrosecondsPerRequest
      ? [
          '',
          table(
            ['where the time goes: CPU µs per request, in one process, no sockets', 'µs'],
            Object.entries(http.breakdownMicrosecondsPerRequest).map(([part, us]) => [part, decimal(us, 2)]),
          ),
          '',
          http.settings?.breakdown === 'a process per configuration'
            ? 'Each row after the first is the cost on top of building the request objects (the first row), each configuration measured in a process of its own, as in a real server (one after another in one process, the later ones measured slower); median of three passes.'
            : 'Each row after the first is the cost on top of building the request objects (the first row); median of three interleaved passes.',
        ]
      : []),
    ...httpDistributionTable(http.distributionNoSockets),
  ].join('\n');
}

/** The fixed-rate rounds (bench/lib/http-fixed-rate.js) as a table and its note; none in older results. */
function httpFixedRateTable(http) {
  if (http.fixedRate === undefined) return [];
  const rows = [];
  for (const f of Object.values(http.fixedRate))
    for (const [name, v] of Object.entries(f.variants))
      rows.push([
        HTTP_LABELS[name] ?? name,
        decimal(f.offeredRequestsPerSecond, 0, { grouped: true }),
        spread(v.requestsPerSecond, 0),
        spread(v.serverCpuMicrosecondsPerRequest, 1),
        v.addedMicrosecondsPerRequest === null ? '—' : decimal(v.addedMicrosecondsPerRequest, 1),
        ratio(v.cpuRatioToBare),
      ]);
  return [
    '',
    table(
      [
        'at a fixed request rate',
        'offered requests/s',
        'requests/s answered',
        'server CPU µs/request',
        'added µs/request over bare',
        'ratio to bare by CPU',
      ],
      rows,
    ),
    '',
    `The headline servers again, in ${http.settings.rounds} more interleaved rounds, each offered the same rate: half the requests/s of the slowest headline variant of its framework, so that every one keeps up and does the same work per second. That is how most production servers run, below their limit; the CPU per request includes the work a server does each second whatever its rate (timers, metric collection, the queues' housekeeping), spread over fewer requests. autocannon sends each connection's share of a second's requests back to back and then waits, so latency at a fixed rate is not reported.`,
  ];
}

/** Each server's CPU with no request at all; none in older results. */
function httpIdleTable(http) {
  if (http.idle === undefined) return [];
  return [
    '',
    table(
      ['idle: no request at all', 'server CPU ms per second', 'share of a core'],
      Object.entries(http.idle.cpuMsPerSecond).map(([name, ms]) => [
        HTTP_LABELS[name] ?? name,
        decimal(ms, 1),
        `${decimal(ms / 10, 2)}%`,
      ]),
    ),
    '',
    `Every server of the run left idle at the end for ${http.idle.seconds} s, at once; the median of each variant's processes (/proc counts CPU in 10 ms ticks).`,
  ];
}

/**
 * What each signal of the defaults costs on the real Fastify server: the defaults' CPU per request
 * less that of the same distribution with one signal off, and with 1 trace in 10 sampled.
 */
function signalSentence(v) {
  const shipped = v['fastify-lifeline'];
  const bare = v['fastify-bare'];
  if (!shipped || !bare) return undefined;
  const without = [
    ['server spans', v['fastify-lifeline-no-traces']],
    ['access events', v['fastify-lifeline-no-logs']],
    ['metrics', v['fastify-lifeline-no-metrics']],
  ];
  if (without.some(([, row]) => row === undefined)) return undefined;
  const cpu = (row) => row.serverCpuMicrosecondsPerRequest.median;
  const parts = without.map(
    ([what, row]) =>
      `${what} ${addedMicros(cpu(shipped) - cpu(row), { digits: 1, why: 'the row without them came out at or above the defaults' })}`,
  );
  const sampled = v['fastify-lifeline-sampled-tenth'];
  return (
    `On the Fastify server, each signal's share of the defaults (their CPU per request less that of the same distribution with the signal off, medians; the difference of two noisy figures): ${parts.join(', ')}, out of ${decimal(cpu(shipped) - cpu(bare), 1)} µs added to bare.` +
    (sampled === undefined
      ? ''
      : cpu(sampled) < cpu(shipped)
        ? ` Sampling 1 trace in 10 takes ${decimal(cpu(sampled), 1)} µs per request (${ratio(sampled.cpuRatioToBare)} bare by CPU), against ${decimal(cpu(shipped), 1)} µs with every request traced.`
        : ` Sampling 1 trace in 10 took no less than tracing every request here (${bothRanges(sampled.serverCpuMicrosecondsPerRequest, shipped.serverCpuMicrosecondsPerRequest, 'rounds')}): this run does not resolve what sampling saves on a real server.`)
  );
}

/** Whether the shipped defaults meet the aim (0.80× bare by requests/s, 0.85× by server CPU), as one sentence. */
function aimSentence(byRequests, byCpu) {
  const okRequests = Number.isFinite(byRequests) && byRequests >= 0.8;
  const okCpu = Number.isFinite(byCpu) && byCpu >= 0.85;
  if (okRequests && okCpu) return 'That meets the aim (0.80× bare by requests/s, 0.85× by server CPU).';
  if (!okRequests && !okCpu)
    return 'That misses the aim (0.80× bare by requests/s, 0.85× by server CPU) by both measures.';
  return okCpu
    ? 'That meets the aim of 0.85× bare by server CPU but misses 0.80× by requests/s.'
    : 'That meets the aim of 0.80× bare by requests/s but misses 0.85× by server CPU.';
}

/** The in-process breakdown's parts: the instrumentation alone, and what each SDK adds to it. */
/** bench:http's distribution with no socket (bench/lib/http-breakdown.js), when the run has it. */
function httpDistributionTable(d) {
  if (d === undefined) return [];
  return [
    '',
    table(
      [
        `the distribution with no socket: whole-process CPU µs per request at ${integer(d.requestsPerSecond)} requests/s`,
        'µs',
      ],
      [
        ['request objects and pacing, `OTEL_SDK_DISABLED=true` (baseline)', spread(d.sdkDisabled)],
        [
          'added by the distribution, defaults (events, server spans, metrics, durable export to the receiver process)',
          spread(d.defaults),
        ],
        ['added by the distribution, traces off (`OTEL_TRACES_EXPORTER=none`)', spread(d.tracesOff)],
        [
          'added by the distribution, 1 trace in 10 sampled (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`)',
          spread(d.sampledTenth),
        ],
        [
          'of which the server span and its export (defaults − traces off, paired by pass)',
          spread(d.serverSpans),
        ],
      ],
    ),
    '',
    `The distribution started with \`--import @otel-lifeline/node/register\` in a process of its own, fed the breakdown's request objects through Node's HTTP diagnostics channels at a steady ${integer(d.requestsPerSecond)} requests/s and exporting to the receiver process; the CPU of every thread of that process over ${d.seconds} s after a warm-up of ${d.seconds / 2} s; each variant in its own process, median (min–max) of ${d.passes} passes. With no socket and no framework, whose cost varies from run to run by more than the distribution's, this is the figure to compare changes to the distribution by.`,
  ];
}

/** "1.23 µs", or, when the row with the part measured at or below the row without it, says so. */
function addedMicros(
  value,
  { digits = 2, why = "the row with it came out below the row without, within the passes' noise" } = {},
) {
  return value > 0
    ? `${decimal(value, digits)} µs`
    : `too little to measure here (${decimal(value, digits)} µs: ${why})`;
}

/** The 1-in-10 sampled figure against every request traced, each as median (min–max) over `of`. */
function bothRanges(sampled, every, of) {
  return `${spread(sampled, 1)} µs against ${spread(every, 1)}, median (min–max) of the ${of}`;
}

function httpParts(http) {
  const b = http.breakdownMicrosecondsPerRequest ?? {};
  const find = (prefix) => Object.entries(b).find(([k]) => k.startsWith(prefix))?.[1];
  const own = find('instrumentation, no-op providers');
  const logs = find('instrumentation + Logs SDK');
  const sdkHistograms = find('instrumentation + Metrics SDK, histograms in the SDK');
  const producer = find('instrumentation + Metrics SDK, histograms in the producer');
  if (own === undefined || logs === undefined) return undefined;
  return {
    own,
    logs: logs - own,
    sdkHistograms: sdkHistograms === undefined ? undefined : sdkHistograms - own,
    producer: producer === undefined ? undefined : producer - own,
  };
}

/** What to conclude from the HTTP rows. */
export function httpConclusion(h) {
  const v = h.variants;
  const parts = httpParts(h);
  const sentences = [];
  for (const [framework, stock] of [
    ['fastify', '`@fastify/otel` + NodeSDK'],
    ['express', '`@opentelemetry/auto-instrumentations-node`'],
  ]) {
    const shipped = v[`${framework}-lifeline`];
    if (!shipped) continue;
    const name = framework === 'fastify' ? 'Fastify' : 'Express';
    const noTraces = v[`${framework}-lifeline-no-traces`];
    sentences.push(
      `${sentences.length === 0 ? '**What to conclude:** started' : 'Started'} as users start it (\`--import @otel-lifeline/node/register\`, defaults: events, server spans, metrics, durable export to a receiver process), ${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} server keeps ${ratio(shipped.ratioToBare)} of its bare requests/s and ${ratio(shipped.cpuRatioToBare)} of its capacity by whole-process CPU (${decimal(shipped.serverCpuMicrosecondsPerRequest.median, 1)} µs per request against bare's ${decimal(v[`${framework}-bare`]?.serverCpuMicrosecondsPerRequest.median, 1)} µs), against ${ratio(v[`${framework}-otel`]?.ratioToBare)} and ${ratio(v[`${framework}-otel`]?.cpuRatioToBare)} for stock OpenTelemetry (${stock}, exporting spans and metrics to the same receiver) in the same run${noTraces ? `; with traces off it keeps ${ratio(noTraces.ratioToBare)} and ${ratio(noTraces.cpuRatioToBare)}` : ''}.`,
      aimSentence(shipped.ratioToBare, shipped.cpuRatioToBare),
    );
    const fixed = h.fixedRate?.[framework];
    const atRate = fixed?.variants[`${framework}-lifeline`];
    if (atRate?.addedMicrosecondsPerRequest != null) {
      const stockAtRate = fixed.variants[`${framework}-otel`];
      const cores = (atRate.addedMicrosecondsPerRequest * fixed.offeredRequestsPerSecond) / 1e6;
      sentences.push(
        `At a fixed ${decimal(fixed.offeredRequestsPerSecond, 0, { grouped: true })} requests/s it adds ${decimal(atRate.addedMicrosecondsPerRequest, 1)} µs of CPU per request to bare's ${decimal(fixed.variants[`${framework}-bare`]?.serverCpuMicrosecondsPerRequest.median, 1)} (${ratio(atRate.cpuRatioToBare)} by CPU; ${decimal(cores * 100, 0)}% of a core at that rate)` +
          (stockAtRate?.addedMicrosecondsPerRequest != null
            ? `, stock OpenTelemetry ${decimal(stockAtRate.addedMicrosecondsPerRequest, 1)} µs (${ratio(stockAtRate.cpuRatioToBare)}).`
            : '.'),
      );
    }
  }
  const signals = signalSentence(v);
  if (signals) sentences.push(signals);
  const batched = v['fastify-lifeline-batched'];
  const unbatched = v['fastify-lifeline-unbatched'];
  if (batched && unbatched) {
    const b = batched.serverCpuMicrosecondsPerRequest.median;
    const u = unbatched.serverCpuMicrosecondsPerRequest.median;
    sentences.push(
      `Reporting the requests that finished in one event-loop turn together at its end (\`batchReports\`, on in the distribution) took ${decimal(b, 1)} µs of server CPU per request on Fastify against ${decimal(u, 1)} µs reporting each in its finish callback, both started the same way (${decimal(b / u, 2)}×; ${integer(batched.requestsPerSecond.median)} against ${integer(unbatched.requestsPerSecond.median)} requests/s).`,
    );
  }
  const idle = h.idle?.cpuMsPerSecond;
  if (idle?.['fastify-lifeline'] !== undefined) {
    const stock = ['fastify-otel', 'express-otel'].filter((n) => idle[n] !== undefined);
    sentences.push(
      `With no request at all, a server with the distribution spends ${decimal(idle['fastify-lifeline'], 1)} ms of CPU a second (Fastify)` +
        (idle['express-lifeline'] !== undefined
          ? ` and ${decimal(idle['express-lifeline'], 1)} ms (Express)`
          : '') +
        (stock.length > 0
          ? `, stock OpenTelemetry ${stock.map((n) => `${decimal(idle[n], 1)} ms (${n.startsWith('fastify') ? 'Fastify' : 'Express'})`).join(' and ')}.`
          : '.'),
    );
  }
  const d = h.distributionNoSockets;
  if (d) {
    sentences.push(
      `With no socket and no framework, at a steady ${integer(d.requestsPerSecond)} requests/s, the distribution adds ${decimal(d.defaults.median, 1)} µs of whole-process CPU per request with its defaults and ${decimal(d.tracesOff.median, 1)} µs with traces off: the server span and its durable export cost ${decimal(d.serverSpans.median, 1)} µs.`,
    );
    const over = d.sampledTenth.median - d.tracesOff.median;
    const sampling = `Sampling 1 trace in 10, as OpenTelemetry users set it (\`parentbased_traceidratio\`, 0.1), adds ${decimal(d.sampledTenth.median, 1)} µs`;
    if (over < d.serverSpans.median) {
      sentences.push(
        `${sampling}: ${decimal(over, 1)} µs over traces off, ${integer((100 * over) / d.serverSpans.median)}% of what spans cost when every request has one, for a tenth of the spans. The sampling decision, the trace context and the trace ids on every access event stay with each request, and random ids compress poorly at rest.`,
      );
    } else {
      // Not a saving this run can show: say so rather than print a share above 100%.
      const overlap = d.sampledTenth.min <= d.defaults.max && d.defaults.min <= d.sampledTenth.max;
      sentences.push(
        `${sampling}, no less than with every request traced (${bothRanges(d.sampledTenth, d.defaults, 'passes')})${overlap ? ': the passes overlap, so this run does not resolve what sampling saves' : ''}.`,
      );
    }
  }
  if (parts) {
    sentences.push(
      `Per request, the instrumentation's own work costs ${decimal(parts.own, 2)} µs and handing its events to the Logs SDK's processors adds ${addedMicros(parts.logs)}` +
        (parts.producer !== undefined && parts.sdkHistograms !== undefined
          ? `; the HTTP histograms add ${addedMicros(parts.producer)} through Lifeline's metrics producer and ${addedMicros(parts.sdkHistograms)} through the Metrics SDK's \`Histogram.record\`.`
          : '.'),
    );
  }
  return sentences.join(' ');
}
