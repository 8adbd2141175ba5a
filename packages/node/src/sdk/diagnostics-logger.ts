import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import type { LogLevel } from '../config/config-types.js';

const LEVELS: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** Lifeline's and the SDK's diagnostics go to stderr, prefixed, at OTEL_LOG_LEVEL. */
export function installDiagnosticsLogger(level: LogLevel, write: (line: string) => void): void {
  const line =
    (kind: string) =>
    (message: string, ...args: unknown[]) =>
      write(
        `[lifeline] ${kind}: ${[message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a)))].join(' ')}`,
      );
  const error = line('error');
  let duplicateReported = false;
  const logger: DiagLogger = {
    error: (message: string, ...args: unknown[]) => {
      error(message, ...args);
      // An SDK started after Lifeline (a NodeSDK next to --import) tried to take the globals.
      if (!duplicateReported && /duplicate registration of API: (trace|metrics|logs)/.test(message)) {
        duplicateReported = true;
        write(
          "[lifeline] error: another OpenTelemetry SDK (your own NodeSDK?) was started after Lifeline; Lifeline keeps the global providers and that SDK gets none. Use one owner: either Lifeline (--import or start(), no NodeSDK) or your NodeSDK with Lifeline's processors and instrumentApi() (see the README)",
        );
      }
    },
    warn: line('warn'),
    info: line('info'),
    debug: line('debug'),
    verbose: line('verbose'),
  };
  diag.setLogger(logger, { logLevel: LEVELS[level], suppressOverrideMessage: true });
}

export function atLeast(level: LogLevel, wanted: LogLevel): boolean {
  return LEVELS[level] >= LEVELS[wanted];
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
