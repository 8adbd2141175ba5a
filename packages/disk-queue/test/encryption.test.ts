import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyQueue } from '@otel-lifeline/disk-queue';
import { decodeSegmentHeader } from '../src/segment-header.js';
import { drain, numbered, record, segmentFiles } from './helpers.js';
import { useQueueDir } from './queue-fixture.js';

const MARKER = 'card=4111-1111-1111-1111;secret=hunter2';

async function filesHash(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    if (name === 'lock') continue;
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  return out;
}

async function allBytes(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const name of await readdir(dir)) parts.push(await readFile(join(dir, name)));
  return Buffer.concat(parts);
}

describe('disk queue encryption at rest', () => {
  const tmp = useQueueDir('lifeline-dq-enc-');
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('leaves no trace of the plaintext in any file, and reads it back', async () => {
    const queue = await tmp.open({ segmentBytes: 4096, encryption: { keyId: 'k1', key: k1 } });
    for (let i = 0; i < 300; i++) queue.append(record(`${i} ${MARKER}`));
    await queue.flush();
    const c = queue.cursor();
    await c.ack((await c.read({ maxRecords: 10 }))!);
    const bytes = await allBytes(tmp.dir);
    expect(bytes.length).toBeGreaterThan(300 * MARKER.length);
    expect(bytes.includes(Buffer.from(MARKER))).toBe(false);
    expect(bytes.includes(Buffer.from('hunter2'))).toBe(false);
    const rest = await drain(c);
    expect(rest).toHaveLength(290);
    expect(rest[0]).toBe(`10 ${MARKER}`);
  });

  it('without a key the same records are visible on disk (the check above can fail)', async () => {
    const queue = await tmp.open();
    queue.append(record(MARKER));
    await queue.flush();
    expect((await allBytes(tmp.dir)).includes(Buffer.from(MARKER))).toBe(true);
  });

  it('refuses a wrong key for the same key id with a clear error, and changes no file', async () => {
    let queue = await tmp.open({ encryption: { keyId: 'prod-2026', key: k1 } });
    for (const t of numbered('e', 20)) queue.append(record(t));
    await queue.flush();
    await queue.close();
    const before = await filesHash(tmp.dir);
    const attempt = tmp.open({ encryption: { keyId: 'prod-2026', key: k2 } });
    await expect(attempt).rejects.toMatchObject({
      code: 'LIFELINE_ERR_QUEUE_KEY',
      keyId: 'prod-2026',
      message: expect.stringContaining("the key configured for key id 'prod-2026' is not the key segment"),
    });
    expect(await filesHash(tmp.dir)).toEqual(before);
    // Nor does it keep the directory locked: the right key still opens it.
    queue = await tmp.open({ encryption: { keyId: 'prod-2026', key: k1 } });
    expect(queue.directory).toBe(tmp.dir);
    expect(await drain(queue.cursor())).toEqual(numbered('e', 20));
  });

  it('names the key id a segment needs when no key or another key is configured', async () => {
    const queue = await tmp.open({ encryption: { keyId: 'old', key: k1 } });
    queue.append(record('x'));
    await queue.close();
    const before = await filesHash(tmp.dir);
    await expect(tmp.open()).rejects.toThrow(
      /encrypted with key id 'old' but no encryption key is configured/,
    );
    await expect(tmp.open({ encryption: { keyId: 'new', key: k2 } })).rejects.toThrow(
      /encrypted with key id 'old', which is neither encryption.keyId \('new'\) nor in encryption.previousKeys/,
    );
    expect(await filesHash(tmp.dir)).toEqual(before);
  });

  it('reads old segments after a key rotation, writing new ones with the new key', async () => {
    let queue = await tmp.open({ encryption: { keyId: 'k1', key: k1 } });
    for (const t of numbered('before', 30)) queue.append(record(t));
    await queue.close();
    queue = await tmp.open({
      encryption: { keyId: 'k2', key: k2, previousKeys: { k1 } },
    });
    for (const t of numbered('after', 30)) queue.append(record(t));
    await queue.flush();
    const keyIds = [];
    for (const f of await segmentFiles(tmp.dir)) {
      const h = decodeSegmentHeader(await readFile(join(tmp.dir, f)));
      if (h.ok) keyIds.push(h.header.keyId);
    }
    expect(keyIds).toEqual(['k1', 'k2']);
    expect(await verifyQueue(tmp.dir, { keys: { k1, k2 } })).toMatchObject({
      records: 60,
      corrupt: [],
      unauthenticated: [],
    });
    expect((await verifyQueue(tmp.dir, { keys: { k2 } })).unauthenticated).toEqual([
      { segment: expect.any(String), keyId: 'k1' },
    ]);
    expect(await drain(queue.cursor())).toEqual([...numbered('before', 30), ...numbered('after', 30)]);
  });

  it('counts a record whose ciphertext was altered (with a matching CRC) as corrupt and skips it', async () => {
    let queue = await tmp.open({ encryption: { keyId: 'k1', key: k1 } });
    for (const t of numbered('t', 5)) queue.append(record(t));
    await queue.close();
    // Re-frame record 2 with a flipped ciphertext byte and a recomputed CRC: only the tag can tell.
    const [file] = await segmentFiles(tmp.dir);
    const path = join(tmp.dir, file!);
    const buf = await readFile(path);
    const { framesOf } = await import('./helpers.js');
    const frames = await framesOf(path);
    const f = frames[2]!;
    buf[f.offset + 28 + 12] = buf[f.offset + 28 + 12]! ^ 0xff;
    const { crc32 } = await import('../src/crc32.js');
    buf.writeUInt32LE(crc32(buf.subarray(f.offset + 8, f.end)), f.offset + 4);
    await (await import('node:fs/promises')).writeFile(path, buf);
    expect((await verifyQueue(tmp.dir, { keys: { k1 } })).corrupt).toEqual([
      { segment: file, offset: f.offset, reason: 'authentication failed (payload altered)' },
    ]);
    queue = await tmp.open({ encryption: { keyId: 'k1', key: k1 } });
    expect(await drain(queue.cursor())).toEqual(['t-000000', 't-000001', 't-000003', 't-000004']);
    expect(queue.stats().drops.corrupt).toBe(1);
  });
});
