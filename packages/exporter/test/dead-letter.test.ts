import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeadLetterWriter, readDeadLetterFile } from '../src/dead-letter.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-dead-letter-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dead-letter writer', () => {
  it('writes one file per batch: a JSON metadata line, then the exact batch bytes', async () => {
    const writer = createDeadLetterWriter({ directory: path.join(dir, 'dl') });
    const body = new Uint8Array([0x0a, 0x00, 0xff, 0x0a, 0x0a]);
    const file = await writer.write(body, {
      signal: 'logs',
      endpoint: 'http://127.0.0.1:1/v1/logs',
      status: 400,
      reason: 'HTTP 400: bad',
      items: 3,
    });
    expect(file).toBeDefined();
    const { metadata, body: read } = await readDeadLetterFile(file as string);
    expect(metadata).toMatchObject({
      format: 'lifeline-dead-letter/1',
      signal: 'logs',
      endpoint: 'http://127.0.0.1:1/v1/logs',
      status: 400,
      reason: 'HTTP 400: bad',
      items: 3,
      bodyBytes: 5,
      contentType: 'application/x-protobuf',
    });
    expect(Number.isNaN(Date.parse(metadata.time))).toBe(false);
    expect([...read]).toEqual([...body]);
    expect((await stat(file as string)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'dl'))).mode & 0o777).toBe(0o700);
    expect((await readdir(path.join(dir, 'dl'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a batch past maxBytes and reports it', async () => {
    const errors: string[] = [];
    const writer = createDeadLetterWriter({
      directory: dir,
      maxBytes: 400,
      onError: (e) => errors.push(e.message),
    });
    expect(
      await writer.write(new Uint8Array(100), { signal: 'logs', endpoint: 'e', reason: 'r', items: 1 }),
    ).toBeDefined();
    expect(
      await writer.write(new Uint8Array(300), { signal: 'logs', endpoint: 'e', reason: 'r', items: 1 }),
    ).toBeUndefined();
    expect(errors[0]).toMatch(/is full/);
  });

  it('names the byte offset when a file is damaged', async () => {
    const file = path.join(dir, 'x.deadletter');
    await writeFile(file, '{"format":"lifeline-dead-letter/1","bodyBytes":10}\nabc');
    await expect(readDeadLetterFile(file)).rejects.toMatchObject({
      code: 'LIFELINE_ERR_DEAD_LETTER',
      message: expect.stringMatching(/byte 51 holds 3 bytes/),
    });
    await writeFile(file, 'not json\n');
    await expect(readDeadLetterFile(file)).rejects.toMatchObject({ code: 'LIFELINE_ERR_DEAD_LETTER' });
  });
});
