/** Stable codes carried by every error the receiver throws (misuse and timeouts, never bad input). */
export type ReceiverErrorCode = 'LIFELINE_ERR_CONFIG' | 'LIFELINE_ERR_STATE' | 'LIFELINE_ERR_TIMEOUT';

export class ReceiverError extends Error {
  readonly code: ReceiverErrorCode;

  constructor(code: ReceiverErrorCode, message: string) {
    super(message);
    this.name = 'ReceiverError';
    this.code = code;
  }
}
