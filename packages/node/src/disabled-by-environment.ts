const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

/**
 * Whether `OTEL_SDK_DISABLED=true` switches Lifeline off before anything is loaded, as
 * OpenTelemetry SDKs do: the register entry then returns at once and reads nothing of the SDK.
 * Left to `start()` (which reads and reports everything) when a configuration file is named (the
 * file is the source of truth and decides instead) or when OTEL_LOG_LEVEL is not a level (start()
 * reports it). `line` is what start() prints in that case: nothing below the info level.
 */
export function disabledByEnvironment(env: Readonly<Record<string, string | undefined>>): {
  off: boolean;
  line?: string;
} {
  if ((env.LIFELINE_CONFIG_FILE ?? '') !== '') return { off: false };
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() !== 'true') return { off: false };
  const level = (env.OTEL_LOG_LEVEL ?? '').trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(level)) return { off: false };
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf('info')
    ? { off: true, line: '[lifeline] telemetry is off: OTEL_SDK_DISABLED is true' }
    : { off: true };
}
