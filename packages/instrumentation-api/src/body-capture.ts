import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Opt-in capture of request and response bodies, size-capped.
 *
 * The request side wraps `push` on the IncomingMessage instance (the HTTP parser pushes every
 * body chunk through it), so capturing never changes how or when the app reads the stream.
 * The response side wraps `write`/`end` on the ServerResponse instance. Only the first
 * `maxBytes` are kept; the total is still counted (it is the body size).
 */
export interface BodyCapture {
  chunks: Buffer[];
  kept: number;
  total: number;
  readonly maxBytes: number;
}

function keep(capture: BodyCapture, chunk: unknown, encoding?: unknown): void {
  if (chunk === null || chunk === undefined) return;
  let buf: Buffer;
  if (typeof chunk === 'string')
    buf = Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  else if (chunk instanceof Uint8Array) buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  else return;
  capture.total += buf.length;
  const room = capture.maxBytes - capture.kept;
  if (room <= 0) return;
  const part = buf.length <= room ? Buffer.from(buf) : Buffer.from(buf.subarray(0, room));
  capture.chunks.push(part);
  capture.kept += part.length;
}

export function captureRequestBody(request: IncomingMessage, maxBytes: number): BodyCapture {
  const capture: BodyCapture = { chunks: [], kept: 0, total: 0, maxBytes };
  const push = request.push;
  request.push = function pushAndCapture(
    this: IncomingMessage,
    chunk: unknown,
    encoding?: BufferEncoding,
  ): boolean {
    keep(capture, chunk, encoding);
    return push.call(this, chunk, encoding);
  };
  return capture;
}

export function captureResponseBody(response: ServerResponse, maxBytes: number): BodyCapture {
  const capture: BodyCapture = { chunks: [], kept: 0, total: 0, maxBytes };
  const write = response.write;
  const end = response.end;
  response.write = function writeAndCapture(
    this: ServerResponse,
    chunk: unknown,
    ...rest: unknown[]
  ): boolean {
    keep(capture, chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  response.end = function endAndCapture(
    this: ServerResponse,
    chunk?: unknown,
    ...rest: unknown[]
  ): ServerResponse {
    if (typeof chunk !== 'function') keep(capture, chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return capture;
}

/** The kept bytes as text, cut back to a UTF-8 character boundary when the cap split a character. */
export function capturedText(capture: BodyCapture): { text: string; truncated: boolean } {
  const buf = capture.chunks.length === 1 ? (capture.chunks[0] as Buffer) : Buffer.concat(capture.chunks);
  const truncated = capture.total > capture.kept;
  return { text: buf.toString('utf8', 0, truncated ? utf8Boundary(buf, buf.length) : buf.length), truncated };
}

/** The largest offset ≤ `end` that does not split a UTF-8 sequence. */
export function utf8Boundary(buf: Uint8Array, end: number): number {
  if (end >= buf.length) end = buf.length;
  let i = end;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last sequence.
  while (i > 0 && i > end - 4 && ((buf[i - 1] as number) & 0xc0) === 0x80) i--;
  if (i === 0) return 0;
  const lead = buf[i - 1] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - (i - 1) >= need ? end : i - 1;
}

const TEXT_TYPES =
  /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|x-www-form-urlencoded|javascript|graphql|x-ndjson)\b)/i;

/** Only textual bodies are captured (as strings); binary ones are never recorded. */
export function isTextContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPES.test(contentType);
}
