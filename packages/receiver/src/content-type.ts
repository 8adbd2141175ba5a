import { zstdAvailable } from '@otel-lifeline/otlp';

/** The two OTLP/HTTP body formats. */
export type BodyFormat = 'protobuf' | 'json';

/** Supported `Content-Encoding` values, normalised. */
export type BodyEncoding = 'identity' | 'gzip' | 'deflate' | 'zstd';

export const CONTENT_TYPES: Readonly<Record<BodyFormat, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/**
 * Maps a `Content-Type` header to a body format. Parameters (`; charset=utf-8`) and case are
 * ignored; anything other than the two OTLP media types gives `undefined` (answered with 415).
 */
export function bodyFormatOf(header: string | undefined): BodyFormat | undefined {
  if (header === undefined) return undefined;
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType === CONTENT_TYPES.protobuf) return 'protobuf';
  if (mediaType === CONTENT_TYPES.json) return 'json';
  return undefined;
}

/**
 * Maps a `Content-Encoding` header to a decoder. No header, `identity` and `none` mean an
 * uncompressed body; `x-gzip` is the historical alias of `gzip`; `zstd` (RFC 8878) as the
 * Collector's OTLP receiver takes it, several frames in a row included. Stacked codings
 * (`gzip, deflate`) and unknown ones give `undefined` (answered with 415, RFC 9110 §15.5.16).
 */
export function bodyEncodingOf(header: string | undefined): BodyEncoding | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity' || value === 'none') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  // zstd needs a runtime that has it (Node 22.15 and later); elsewhere it is answered with 415.
  if (value === 'zstd' && zstdAvailable) return 'zstd';
  return undefined;
}
