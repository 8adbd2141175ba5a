/** Stable codes carried by every error this package throws. Outcomes of a send are values, never errors. */
export type ExporterErrorCode = 'LIFELINE_ERR_CONFIG' | 'LIFELINE_ERR_SHUTDOWN' | 'LIFELINE_ERR_DEAD_LETTER';

/** Thrown for misuse only (bad options, use after shutdown, an unreadable dead-letter file). */
export class ExporterError extends Error {
  readonly code: ExporterErrorCode;

  constructor(code: ExporterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExporterError';
    this.code = code;
  }
}

/** A configuration error that names the key, the value and what was expected. */
export function configError(key: string, value: unknown, expected: string): ExporterError {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    shown = String(value);
  }
  return new ExporterError(
    'LIFELINE_ERR_CONFIG',
    `invalid option ${key}: got ${shown}, expected ${expected}`,
  );
}
