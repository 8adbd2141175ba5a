import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { zstdCompress } from '@otel-lifeline/otlp';
import { describe, expect, it } from 'vitest';
import { decompressBody } from '../src/decompress-body.js';

const text = Buffer.from('hello, receiver '.repeat(100));

describe('decompress body', () => {
  it('passes an uncompressed body through untouched', async () => {
    expect(await decompressBody(text, 'identity', 1 << 20)).toEqual({ kind: 'complete', body: text });
  });

  it('gunzips gzip and inflates both zlib-wrapped and raw deflate', async () => {
    for (const [encoding, raw] of [
      ['gzip', gzipSync(text)],
      ['deflate', deflateSync(text)],
      ['deflate', deflateRawSync(text)],
    ] as const) {
      const result = await decompressBody(raw, encoding, 1 << 20);
      expect(result.kind).toBe('complete');
      expect(result.kind === 'complete' && result.body.equals(text)).toBe(true);
    }
  });

  it('accepts a body exactly at the limit and refuses one byte more', async () => {
    const exact = await decompressBody(gzipSync(text), 'gzip', text.length);
    expect(exact.kind).toBe('complete');
    expect(await decompressBody(gzipSync(text), 'gzip', text.length - 1)).toEqual({ kind: 'too-large' });
  });

  it('stops a gzip bomb at the limit instead of inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KiB
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(await decompressBody(bomb, 'gzip', 1024 * 1024)).toEqual({ kind: 'too-large' });
  });

  it('reports corrupt and truncated streams with the coding named', async () => {
    const gzip = gzipSync(text);
    const truncated = await decompressBody(gzip.subarray(0, gzip.length - 10), 'gzip', 1 << 20);
    expect(truncated.kind).toBe('corrupt');
    expect(truncated.kind === 'corrupt' && truncated.message).toMatch(/^gzip body is not valid: /);
    const garbage = await decompressBody(Buffer.from('definitely not gzip'), 'gzip', 1 << 20);
    expect(garbage.kind).toBe('corrupt');
    const badDeflate = await decompressBody(Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff]), 'deflate', 1 << 20);
    expect(badDeflate.kind).toBe('corrupt');
  });

  it('reads every frame of a zstd body, skippable frames included, within the limit', async () => {
    const skippable = Buffer.from([0x5c, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
    const half = text.subarray(0, 700);
    const rest = text.subarray(700);
    const body = Buffer.concat([skippable, zstdCompress(half), skippable, zstdCompress(rest)]);
    expect(await decompressBody(body, 'zstd', 1 << 20)).toEqual({ kind: 'complete', body: text });
    expect((await decompressBody(body, 'zstd', text.length)).kind).toBe('complete');
    // The limit counts every frame: the second one passes it.
    expect(await decompressBody(body, 'zstd', text.length - 1)).toEqual({ kind: 'too-large' });
  });

  it('stops a zstd bomb at the limit, and names zstd for a corrupt or truncated body', async () => {
    const bomb = zstdCompress(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(await decompressBody(bomb, 'zstd', 1024 * 1024)).toEqual({ kind: 'too-large' });
    const frame = zstdCompress(text);
    for (const bad of [frame.subarray(0, frame.length - 5), Buffer.from('definitely not zstd')]) {
      const result = await decompressBody(bad, 'zstd', 1 << 20);
      expect(result.kind).toBe('corrupt');
      expect(result.kind === 'corrupt' && result.message).toMatch(/^zstd body is not valid: /);
    }
  });
});
