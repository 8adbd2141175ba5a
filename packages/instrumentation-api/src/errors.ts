/** Stable error codes thrown by this package. Only misuse throws; runtime problems go to `diag`. */
export type InstrumentationErrorCode = 'LIFELINE_ERR_CONFIG' | 'LIFELINE_ERR_ARGUMENT';

/** Thrown for bad options or bad arguments; `code` is stable, `key` names the offending option. */
export class InstrumentationError extends Error {
  readonly code: InstrumentationErrorCode;
  readonly key: string | undefined;

  constructor(code: InstrumentationErrorCode, message: string, key?: string) {
    super(message);
    this.name = 'InstrumentationError';
    this.code = code;
    this.key = key;
  }
}

export function configError(key: string, value: unknown, expected: string): InstrumentationError {
  return new InstrumentationError(
    'LIFELINE_ERR_CONFIG',
    `invalid option ${key}: got ${describe(value)}, expected ${expected}`,
    key,
  );
}

export function argumentError(key: string, value: unknown, expected: string): InstrumentationError {
  return new InstrumentationError(
    'LIFELINE_ERR_ARGUMENT',
    `invalid argument ${key}: got ${describe(value)}, expected ${expected}`,
    key,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
