import type { ConfigProblem } from './config-problem.js';
import { showValue } from './config-problem.js';
import { CONTROL_ENV_KEYS, ENV_KEYS } from './env-keys.js';
import type { PropagatorName, ResourceDetectorName, SamplerName, SdkSettings } from './config-types.js';

/**
 * The OpenTelemetry SDK variables that shape the SDK itself rather than Lifeline's pipeline:
 * read from the environment in every case (they have no key in Lifeline's file), each honoured
 * as the specification says or refused with one line. Every other `OTEL_*` variable that is set
 * and that Lifeline does not read is named once, so none is ignored without a word.
 */
export const DEFAULT_SDK_SETTINGS: SdkSettings = {
  sampler: 'parentbased_traceidratio',
  propagators: ['tracecontext', 'baggage'],
  resourceDetectors: ['env', 'host', 'process'],
  metricExportTimeoutMs: 30_000,
};

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage'];
const DETECTORS: readonly ResourceDetectorName[] = ['env', 'host', 'os', 'process', 'serviceinstance'];

/** Read by the stock HTTP instrumentation Lifeline runs, not by Lifeline itself. */
const READ_BY_INSTRUMENTATION = ['OTEL_SEMCONV_STABILITY_OPT_IN'];
const SDK_KEYS = [
  'OTEL_TRACES_SAMPLER',
  'OTEL_PROPAGATORS',
  'OTEL_NODE_RESOURCE_DETECTORS',
  'OTEL_METRIC_EXPORT_TIMEOUT',
];

export function readSdkSettings(env: Readonly<Record<string, string | undefined>>): {
  settings: SdkSettings;
  problems: ConfigProblem[];
} {
  const problems: ConfigProblem[] = [];
  const refuse = (key: string, expected: string, effect: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({ severity, key, value: showValue(env[key]), expected, effect });
  const value = (key: string) => env[key]?.trim().toLowerCase() || undefined;
  const settings: SdkSettings = { ...DEFAULT_SDK_SETTINGS };

  const sampler = value('OTEL_TRACES_SAMPLER');
  if (sampler !== undefined) {
    if ((SAMPLERS as readonly string[]).includes(sampler)) settings.sampler = sampler as SamplerName;
    else
      refuse(
        'OTEL_TRACES_SAMPLER',
        `expected one of ${SAMPLERS.join(', ')} (jaeger_remote and xray are not included)`,
        `using ${settings.sampler}`,
      );
  }

  /**
   * A comma-separated list of names: those Lifeline has, with one line naming the rest; `none`
   * for an empty list and, where `all` is allowed, `all` for every name.
   */
  const names = <N extends string>(key: string, known: readonly N[], all: boolean): N[] | undefined => {
    const listed = value(key)
      ?.split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (listed === undefined) return undefined;
    const isKnown = (n: string): n is N => (known as readonly string[]).includes(n);
    const keywords = all ? ['all', 'none'] : ['none'];
    const unknown = listed.filter((n) => !keywords.includes(n) && !isKnown(n));
    if (unknown.length > 0)
      refuse(
        key,
        `${unknown.join(', ')} not included; Lifeline has ${known.join(', ')}${all ? ', all' : ''} and none`,
        'using the others',
      );
    if (listed.includes('none')) return [];
    return all && listed.includes('all') ? [...known] : listed.filter(isKnown);
  };
  settings.propagators = names('OTEL_PROPAGATORS', PROPAGATORS, false) ?? settings.propagators;
  settings.resourceDetectors =
    names('OTEL_NODE_RESOURCE_DETECTORS', DETECTORS, true) ?? settings.resourceDetectors;

  const timeout = value('OTEL_METRIC_EXPORT_TIMEOUT');
  if (timeout !== undefined) {
    const ms = Number(timeout);
    if (/^\d+$/.test(timeout) && ms > 0) settings.metricExportTimeoutMs = ms;
    else
      refuse(
        'OTEL_METRIC_EXPORT_TIMEOUT',
        'expected a whole number of milliseconds above 0',
        `using ${settings.metricExportTimeoutMs}`,
      );
  }

  if (env.OTEL_CONFIG_FILE?.trim())
    refuse(
      'OTEL_CONFIG_FILE',
      "names an OpenTelemetry declarative configuration file, which Lifeline does not read; Lifeline's own YAML file goes in LIFELINE_CONFIG_FILE",
      'ignoring it',
    );

  const known = new Set([
    ...ENV_KEYS.map(([name]) => name),
    ...CONTROL_ENV_KEYS,
    ...SDK_KEYS,
    ...READ_BY_INSTRUMENTATION,
  ]);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('OTEL_') || known.has(name) || !env[name]?.trim()) continue;
    const batching = /^OTEL_(BSP|BLRP)_/.test(name);
    refuse(
      name,
      batching
        ? 'Lifeline has no in-memory batch processor: each record is on disk within LIFELINE_QUEUE_FSYNC_INTERVAL and sent from the queue'
        : 'not an OpenTelemetry variable Lifeline reads',
      'ignoring it',
      'warning',
    );
  }
  return { settings, problems };
}
