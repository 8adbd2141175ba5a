// The bench:lifecycle section of BENCHMARKS.md: start-up cost of --import and exit time after SIGTERM.
import { decimal, spread, table } from './markdown.js';

const STARTUP_LABELS = {
  bare: 'bare Node (anchor)',
  off: '`--import` register, `OTEL_SDK_DISABLED=true` (returns before loading the SDK)',
  env: '`--import` register, configured by environment variables',
  yaml: '`--import` register, configured by a YAML file',
  'env-cold': 'environment variables, empty compile cache (first start)',
  'env-nocache': 'environment variables, `NODE_DISABLE_COMPILE_CACHE=1`',
};

const signed = (summary) => (summary && Number.isFinite(summary.median) ? `+${spread(summary, 0)}` : '—');

export function lifecycleTable(result) {
  const { wallMs, cpuMs } = result.startup;
  const startupRows = Object.keys(STARTUP_LABELS)
    .filter((name) => wallMs.firstLine[name])
    .map((name) => [
      STARTUP_LABELS[name],
      spread(wallMs.firstLine[name], 0),
      signed(wallMs.added[name]),
      spread(cpuMs.firstLine[name], 0),
      signed(cpuMs.added[name]),
    ]);
  const timeout = result.settings.shutdownTimeoutMs;
  const exitRow = (label, s) => [
    label,
    spread(s, 0),
    Number.isFinite(s?.max) ? `${decimal(timeout - s.max, 0)} ms` : 'n/a',
  ];
  return [
    table(
      [
        'start-up: until the app’s first line',
        'wall ms',
        'added wall ms (per round)',
        'CPU ms',
        `added CPU ms (aim ≤ ${result.settings.startupAimMs})`,
      ],
      startupRows,
    ),
    '',
    `${result.settings.rounds} interleaved rounds; “added” is the variant minus bare Node in the same round. CPU ms is the process's user + system time by its first line (all threads), steadier than wall time on a shared machine. The register entry turns on Node's on-disk compile cache (\`NODE_COMPILE_CACHE\` or \`node-compile-cache\` under the OS temp directory): the first three \`--import\` rows start with a warm cache, as every start after the first does.${machineNote(result.machine)}`,
    '',
    table(
      [
        `exit after SIGTERM, dead endpoint, shutdown_timeout ${decimal(timeout, 0)} ms`,
        'ms',
        'margin left (worst run)',
      ],
      [
        exitRow('no app handler (Lifeline shuts down, re-raises the signal)', result.shutdown.exitMs.plain),
        exitRow('app handler closes its server, the process ends by itself', result.shutdown.exitMs.handler),
      ],
    ),
    '',
    `${result.settings.shutdownRounds} runs each; from \`kill -TERM\` to the exit seen by the parent. Lifeline's own work ends ${150} ms before the deadline (the margin kept for the exit itself).`,
  ].join('\n');
}

export function lifecycleConclusion(result) {
  const { wallMs, cpuMs } = result.startup;
  const aim = result.settings.startupAimMs;
  const cpu = [cpuMs.added.env?.median, cpuMs.added.yaml?.median];
  const wall = [wallMs.added.env?.median, wallMs.added.yaml?.median];
  const within = (pair) => pair.every((v) => Number.isFinite(v) && v <= aim);
  const verdict =
    within(cpu) && within(wall)
      ? `within the ${aim} ms aim by both measures`
      : within(cpu)
        ? `within the ${aim} ms aim by CPU, not by wall time on this shared machine`
        : `above the ${aim} ms aim`;
  const timeout = result.settings.shutdownTimeoutMs;
  const worst = Math.max(
    result.shutdown.exitMs.plain?.max ?? NaN,
    result.shutdown.exitMs.handler?.max ?? NaN,
  );
  return [
    `**What to conclude:** \`--import\` adds ${decimal(cpu[0], 0)} ms of CPU before the app's first line with environment configuration and ${decimal(cpu[1], 0)} ms with a YAML file (wall: +${decimal(wall[0], 0)} and +${decimal(wall[1], 0)} ms), ${verdict}. The register entry loads one bundled module (the OpenTelemetry API inside when the installed one is the bundled version) and import-in-the-middle's ES-module hook; switched off with \`OTEL_SDK_DISABLED=true\` it returns before loading anything (+${decimal(cpuMs.added.off?.median, 0)} ms of CPU).${cacheNote(cpuMs)}`,
    `With a dead endpoint, a process exits ${decimal(worst, 0)} ms after SIGTERM at worst against a ${decimal(timeout, 0)} ms shutdown_timeout, with or without its own handler; what it could not send stays on disk for the next start.`,
  ].join(' ');
}

function cacheNote(cpuMs) {
  const cold = cpuMs.added['env-cold']?.median;
  const none = cpuMs.added['env-nocache']?.median;
  if (!Number.isFinite(cold) || !Number.isFinite(none)) return '';
  return ` The compile cache is warm there; a first start on an empty cache adds ${decimal(cold, 0)} ms of CPU, and without the cache ${decimal(none, 0)} ms.`;
}

function machineNote(machine) {
  if (!machine?.loadAverage) return '';
  const [start, end] = machine.loadAverage.map((l) => decimal(l, 1));
  const node = machine.node ? ` Node ${machine.node}.` : '';
  return ` The machine was loaded by other work: 1-minute load average ${start} at the start and ${end} at the end, on ${machine.cores} cores.${node}`;
}
