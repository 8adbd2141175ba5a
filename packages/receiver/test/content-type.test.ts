import { zstdAvailable } from '@otel-lifeline/otlp';
import { describe, expect, it } from 'vitest';
import { bodyEncodingOf, bodyFormatOf } from '../src/content-type.js';

describe('content type', () => {
  it('recognises the two OTLP media types whatever their case and parameters', () => {
    expect(bodyFormatOf('application/x-protobuf')).toBe('protobuf');
    expect(bodyFormatOf('Application/X-Protobuf')).toBe('protobuf');
    expect(bodyFormatOf('application/json')).toBe('json');
    expect(bodyFormatOf('application/json; charset=utf-8')).toBe('json');
    expect(bodyFormatOf(' application/json ;charset="UTF-8"')).toBe('json');
  });

  it('refuses every other media type', () => {
    for (const header of [undefined, '', 'text/plain', 'application/protobuf', 'application/jsonx', 'json']) {
      expect(bodyFormatOf(header)).toBeUndefined();
    }
  });
});

describe('content encoding', () => {
  it('maps no coding, identity and none to an uncompressed body', () => {
    expect(bodyEncodingOf(undefined)).toBe('identity');
    expect(bodyEncodingOf('')).toBe('identity');
    expect(bodyEncodingOf('identity')).toBe('identity');
    expect(bodyEncodingOf('none')).toBe('identity');
  });

  it('accepts gzip, its x-gzip alias and deflate', () => {
    expect(bodyEncodingOf('gzip')).toBe('gzip');
    expect(bodyEncodingOf('X-GZIP')).toBe('gzip');
    expect(bodyEncodingOf('deflate')).toBe('deflate');
  });

  it('accepts zstd on a runtime that has it (Node 22.15 and later)', () => {
    expect(bodyEncodingOf('zstd')).toBe(zstdAvailable ? 'zstd' : undefined);
    expect(bodyEncodingOf('ZSTD')).toBe(zstdAvailable ? 'zstd' : undefined);
  });

  it('refuses unknown and stacked codings', () => {
    expect(bodyEncodingOf('br')).toBeUndefined();
    expect(bodyEncodingOf('gzip, deflate')).toBeUndefined();
    expect(bodyEncodingOf('zstd, gzip')).toBeUndefined();
  });
});
