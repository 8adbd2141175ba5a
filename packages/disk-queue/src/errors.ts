/** Stable error codes thrown by the disk queue. I/O trouble during operation is never thrown: it is counted. */
export type DiskQueueErrorCode =
  'LIFELINE_ERR_CONFIG' | 'LIFELINE_ERR_QUEUE_KEY' | 'LIFELINE_ERR_QUEUE_MISUSE' | 'LIFELINE_ERR_QUEUE_IO';

/** The one error class of this package; `code` is stable, the message names the key, file or offset. */
export class DiskQueueError extends Error {
  readonly code: DiskQueueErrorCode;
  /** The encryption key id concerned, for `LIFELINE_ERR_QUEUE_KEY`. */
  readonly keyId: string | undefined;
  /** The file concerned, when there is one. */
  readonly file: string | undefined;

  constructor(
    code: DiskQueueErrorCode,
    message: string,
    details: { keyId?: string; file?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DiskQueueError';
    this.code = code;
    this.keyId = details.keyId;
    this.file = details.file;
  }
}

export function configError(key: string, value: unknown, expected: string): DiskQueueError {
  return new DiskQueueError(
    'LIFELINE_ERR_CONFIG',
    `disk queue option '${key}' is ${describe(value)}; expected ${expected}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `a ${value.length}-byte array`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  return typeof value;
}
