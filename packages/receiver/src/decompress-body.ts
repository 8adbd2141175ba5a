import { gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import { zstdDecompressAsync } from '@otel-lifeline/otlp';
import type { BodyEncoding } from './content-type.js';

export type DecompressResult =
  | { readonly kind: 'complete'; readonly body: Buffer }
  /** The decompressed size would pass `maxBytes`; decompression stopped there. */
  | { readonly kind: 'too-large' }
  /** Not a valid stream for its `Content-Encoding` (bad header, bad checksum, truncated). */
  | { readonly kind: 'corrupt'; readonly message: string };

type Inflate = (
  input: Buffer,
  options: ZlibOptions,
  callback: (error: Error | null, result: Buffer) => void,
) => void;

/**
 * Decompresses a request body off the main thread, stopping as soon as the output would pass
 * `maxBytes`, so a small gzip bomb costs at most `maxBytes` of memory.
 *
 * `deflate` is the zlib format (RFC 1950) in HTTP, but some clients send raw deflate (RFC 1951);
 * the two are told apart by the zlib header check, as browsers and curl do. `zstd` bodies may hold
 * several frames (an exporter joining stored fragments), read one after the other.
 */
export function decompressBody(
  raw: Buffer,
  encoding: BodyEncoding,
  maxBytes: number,
): Promise<DecompressResult> {
  if (encoding === 'identity') return Promise.resolve({ kind: 'complete', body: raw });
  if (encoding === 'zstd') return decompressZstd(raw, maxBytes);
  const decoder: Inflate = encoding === 'gzip' ? gunzip : hasZlibHeader(raw) ? inflate : inflateRaw;
  return new Promise((resolve) => {
    // maxOutputLength must be ≥ 1; an empty result still fits a zero limit below.
    decoder(raw, { maxOutputLength: Math.max(1, maxBytes) }, (error, body) => {
      if (error === null) {
        resolve(body.length > maxBytes ? { kind: 'too-large' } : { kind: 'complete', body });
      } else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        resolve({ kind: 'too-large' });
      } else {
        resolve({ kind: 'corrupt', message: `${encoding} body is not valid: ${error.message}` });
      }
    });
  });
}

function hasZlibHeader(raw: Buffer): boolean {
  if (raw.length < 2) return false;
  const cmf = raw[0]!;
  const flg = raw[1]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

async function decompressZstd(raw: Buffer, maxBytes: number): Promise<DecompressResult> {
  try {
    const body = await zstdDecompressAsync(raw, Math.max(1, maxBytes));
    return body.length > maxBytes ? { kind: 'too-large' } : { kind: 'complete', body };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) return { kind: 'too-large' };
    return { kind: 'corrupt', message: `zstd body is not valid: ${e.message}` };
  }
}
