import { codecFor, type Signal } from '@otel-lifeline/otlp';
import type { BodyFormat } from './content-type.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an export request body with the signal's codec. Throws (the message becomes the 400
 * answer) for undecodable protobuf, invalid UTF-8 and invalid OTLP JSON.
 */
export function decodeRequest(signal: Signal, format: BodyFormat, body: Uint8Array): unknown {
  const codec = codecFor(signal);
  if (format === 'protobuf') return codec.decode(body);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new Error('JSON body is not valid UTF-8');
  }
  return codec.fromJson(text);
}
