/** Stable error codes of the distribution. */
export type LifelineNodeErrorCode = 'LIFELINE_ERR_CONFIG' | 'LIFELINE_ERR_CLI';

/** Thrown for misuse of the public API (e.g. a configuration file that cannot be used at all). */
export class LifelineConfigError extends Error {
  readonly code: LifelineNodeErrorCode;
  constructor(message: string, code: LifelineNodeErrorCode = 'LIFELINE_ERR_CONFIG') {
    super(message);
    this.name = 'LifelineConfigError';
    this.code = code;
  }
}
