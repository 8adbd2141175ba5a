/**
 * Error paths for the OTLP-JSON reader and writer (`resourceLogs[0].scopeLogs[1].logRecords[2].traceId`)
 * are built only when something fails: the failing value throws a PathError, and each message level
 * it unwinds through puts its own segment in front.
 */
/** A failure at a field, its path growing as it unwinds to the top. */
export class PathError extends Error {
  constructor(
    readonly segments: string[],
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function pathOf(segments: readonly string[]): string {
  let path = '';
  for (const segment of segments) path += segment.startsWith('[') || path === '' ? segment : `.${segment}`;
  return path === '' ? '(root)' : path;
}

export function fail(reason: string): never {
  throw new PathError([], reason);
}
