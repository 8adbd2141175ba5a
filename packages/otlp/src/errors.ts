/** Bytes or text that are not a valid OTLP message. */
export class OtlpDecodeError extends Error {
  readonly code = 'LIFELINE_ERR_DECODE' as const;
  /** Byte offset (protobuf) or character offset (JSON) where decoding failed, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at offset ${offset})`);
    this.name = 'OtlpDecodeError';
    this.offset = offset;
  }
}

/** An object that cannot be encoded: a field holds a value of the wrong type or out of range. */
export class OtlpEncodeError extends Error {
  readonly code = 'LIFELINE_ERR_ENCODE' as const;
  /** The field path, e.g. `resourceLogs[0].scopeLogs[0].logRecords[3].timeUnixNano`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'OtlpEncodeError';
    this.path = path;
  }
}
