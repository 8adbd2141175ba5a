import type { IncomingMessage } from 'node:http';

export type BodyReadResult =
  | { readonly kind: 'complete'; readonly body: Buffer }
  /**
   * The body passed `maxBytes`. Bytes past the limit were read and discarded (never buffered)
   * so the client can finish sending and read the answer; `drained` is false when the client
   * kept sending past `drainBytes` more and the connection should be closed after answering.
   */
  | { readonly kind: 'too-large'; readonly bytes: number; readonly drained: boolean }
  /** The client went away before the body was complete. */
  | { readonly kind: 'aborted' };

export interface BodyReadLimits {
  /** Largest body kept in memory. */
  readonly maxBytes: number;
  /** How many bytes past `maxBytes` are read and thrown away before giving up on the client. */
  readonly drainBytes: number;
}

/**
 * Reads a request body into one buffer, never holding more than `maxBytes` of it.
 *
 *   0 ────────── maxBytes ──────────── maxBytes + drainBytes
 *   │  buffered  │ counted, discarded   │ stop: answer and close
 */
export function readBody(request: IncomingMessage, limits: BodyReadLimits): Promise<BodyReadResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;

    const settle = (result: BodyReadResult): void => {
      if (settled) return;
      settled = true;
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      request.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes <= limits.maxBytes) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      if (bytes > limits.maxBytes + limits.drainBytes) {
        request.pause();
        settle({ kind: 'too-large', bytes, drained: false });
      }
    };
    const onEnd = (): void => {
      if (bytes > limits.maxBytes) settle({ kind: 'too-large', bytes, drained: true });
      else
        settle({ kind: 'complete', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes) });
    };
    const onClose = (): void => {
      if (!request.complete) settle({ kind: 'aborted' });
    };
    // 'error' (ECONNRESET "aborted") precedes 'close' when the client goes away mid-body.
    const onError = (): void => settle({ kind: 'aborted' });

    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onClose);
    request.on('error', onError);
  });
}
