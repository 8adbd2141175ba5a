import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeLedger, encodeLedger } from '../src/ledger.js';
import { checkFrame, FRAME_HEADER_BYTES } from '../src/record-frame.js';
import { decodeSegmentHeader, segmentFileName, SEGMENT_FILE_PATTERN } from '../src/segment-header.js';
import {
  ADDON_MIN_BYTES,
  crc32,
  crc32Implementation,
  loadAddonCrc32,
  tableCrc32,
  zlibCrc32,
} from '../src/crc32.js';
import { AppendBuffer } from '../src/append-buffer.js';
import { resync } from '../src/record-frame.js';
import { encodeSegmentHeader } from '../src/segment-header.js';

/** One record framed by the writer the queue appends with (AppendBuffer), as it goes to disk. */
function frame(payload: string, seq: number): Buffer {
  const buffer = new AppendBuffer(undefined, 1);
  buffer.append(Buffer.from(payload), 1_700_000_000_000, seq);
  return Buffer.concat(buffer.take().buffers);
}

describe('crc32', () => {
  it('the table fallback, zlib and the addon agree, also when continued', () => {
    const implementations = [crc32, tableCrc32, zlibCrc32, loadAddonCrc32()];
    // This workspace installs the optional addon, so the fast path is the one under test.
    expect(crc32Implementation).toBe('@node-rs/crc32');
    for (const size of [0, 1, 7, 64, ADDON_MIN_BYTES - 1, ADDON_MIN_BYTES, 1000, 16_412, 65_537]) {
      const data = randomBytes(size);
      const expected = tableCrc32(data);
      const cut = size >> 1;
      for (const crc of implementations) {
        expect(crc!(data)).toBe(expected);
        expect(crc!(data.subarray(cut), crc!(data.subarray(0, cut)))).toBe(expected);
      }
    }
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('leaves the addon out when it does not load or gives another CRC', () => {
    const missing = (): never => {
      throw Object.assign(new Error("Cannot find module '@node-rs/crc32'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(loadAddonCrc32(missing)).toBeUndefined();
    expect(loadAddonCrc32(() => ({}))).toBeUndefined();
    // CRC-32C (Castagnoli) is another polynomial: the check value rejects it.
    expect(loadAddonCrc32(() => ({ crc32: (_: Uint8Array) => 0xe3069283 }))).toBeUndefined();
    const addon = loadAddonCrc32(() => ({ crc32: (d: Uint8Array, i?: number) => tableCrc32(d, i) }));
    expect(addon?.(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('record frame', () => {
  it('round-trips sequence numbers beyond 32 bits and the appended-at time', () => {
    const buf = frame('hello', 2 ** 40 + 3);
    const check = checkFrame(buf, 0, buf.length);
    expect(check).toMatchObject({
      kind: 'ok',
      frame: { seq: 2 ** 40 + 3, appendedAtMs: 1_700_000_000_000, payloadLength: 5 },
    });
  });

  it('says incomplete for a cut frame and bad for a flipped bit', () => {
    const buf = frame('hello world', 1);
    expect(checkFrame(buf, 0, buf.length - 1)).toEqual({ kind: 'incomplete', need: buf.length });
    expect(checkFrame(buf, 0, 10)).toEqual({ kind: 'incomplete', need: FRAME_HEADER_BYTES });
    buf[FRAME_HEADER_BYTES + 3] = buf[FRAME_HEADER_BYTES + 3]! ^ 1;
    expect(checkFrame(buf, 0, buf.length)).toEqual({ kind: 'bad', reason: 'crc mismatch' });
  });

  it('resynchronises on the next valid frame, ignoring a magic inside garbage', () => {
    // A magic followed by a plausible length (5) whose CRC cannot match, then filler without a magic.
    const garbage = Buffer.concat([
      Buffer.from([0xa5, 0x4c, 0x51, 0x52, 1, 2, 3, 4, 5, 0, 0, 0]),
      Buffer.alloc(40, 0x11),
    ]);
    const good = frame('next', 9);
    const buf = Buffer.concat([garbage, good]);
    expect(checkFrame(buf, 0, buf.length).kind).toBe('bad');
    expect(resync(buf, 0, buf.length)).toEqual({ pos: garbage.length, partialAt: undefined });
  });
});

describe('segment header', () => {
  it('round-trips, with the key id and key check', () => {
    const encoded = encodeSegmentHeader({
      id: 42,
      firstSeq: 1000,
      createdAtMs: 123.5,
      encrypted: true,
      keyId: 'prod-2026',
      keyCheck: Buffer.alloc(8, 7),
    });
    expect(encoded.length).toBe(64 + 'prod-2026'.length);
    const decoded = decodeSegmentHeader(encoded);
    expect(decoded).toEqual({
      ok: true,
      header: {
        id: 42,
        firstSeq: 1000,
        createdAtMs: 123.5,
        encrypted: true,
        keyId: 'prod-2026',
        keyCheck: new Uint8Array(8).fill(7),
        headerLength: 73,
      },
    });
    encoded[20] = encoded[20]! ^ 1;
    expect(decodeSegmentHeader(encoded)).toEqual({
      ok: false,
      reason: 'segment header crc mismatch',
      incomplete: false,
    });
    expect(decodeSegmentHeader(encoded.subarray(0, 30))).toMatchObject({ ok: false, incomplete: true });
  });

  it('names files so that name order is id order', () => {
    expect(segmentFileName(7)).toBe('0000000000000007.seg');
    expect(SEGMENT_FILE_PATTERN.test(segmentFileName(123456))).toBe(true);
    expect([segmentFileName(10), segmentFileName(9)].sort()).toEqual([
      segmentFileName(9),
      segmentFileName(10),
    ]);
  });
});

describe('ledger', () => {
  it('round-trips positions and drop totals', () => {
    const state = {
      cursors: { a: { segment: 3, offset: 100, seq: 7 } },
      writtenAtMs: 5,
      drops: { corrupt: 2 },
      dropBytes: { corrupt: 20 },
    };
    expect(decodeLedger(encodeLedger(state))).toEqual({ ok: true, state });
  });

  it('explains why a ledger cannot be read, with the offset where it can', () => {
    const good = encodeLedger({ cursors: {}, writtenAtMs: 0 });
    expect(decodeLedger(Buffer.from('garbage garbage garbage'))).toEqual({
      ok: false,
      reason: 'bad ledger magic at offset 0',
    });
    expect(decodeLedger(good.subarray(0, 10))).toEqual({ ok: false, reason: 'ledger truncated at 10 bytes' });
    const flipped = Buffer.from(good);
    flipped[4096 + 20] = flipped[4096 + 20]! ^ 1;
    expect(decodeLedger(flipped)).toEqual({
      ok: false,
      reason:
        'no readable ledger slot (slot 0 at offset 4096: crc mismatch; slot 1 at offset 8192: crc mismatch)',
    });
    const badSize = Buffer.from(good);
    badSize.writeUInt32LE(100, 12);
    expect(decodeLedger(badSize)).toEqual({ ok: false, reason: 'bad ledger slot size 100 at offset 12' });
  });

  it('takes the slot with the higher sequence number, and the other one when that slot is torn', () => {
    const older = { cursors: { a: { segment: 1, offset: 10, seq: 1 } }, writtenAtMs: 1 };
    const newer = { cursors: { a: { segment: 2, offset: 20, seq: 9 } }, writtenAtMs: 2 };
    // Slot 0 holds sequence number 4, slot 1 number 5, as a writer leaves them.
    const file = encodeLedger(older, 4, 4096);
    file.set(encodeLedger(newer, 5, 4096).subarray(4096, 8192), 8192);
    expect(decodeLedger(file)).toEqual({ ok: true, state: newer });
    const torn = Buffer.from(file);
    torn.fill(0, 8192 + 30);
    expect(decodeLedger(torn)).toEqual({ ok: true, state: older });
    // Sequence numbers past 32 bits still order the slots.
    const high = encodeLedger(older, 2 ** 32 + 1, 4096);
    high.set(encodeLedger(newer, 2 ** 32, 4096).subarray(4096, 8192), 8192);
    expect(decodeLedger(high)).toEqual({ ok: true, state: older });
  });

  it('reads a version 1 ledger, as queues written before the slots have it', () => {
    const state = { cursors: { a: { segment: 3, offset: 100, seq: 7 } }, writtenAtMs: 5 };
    const body = Buffer.from(JSON.stringify(state), 'utf8');
    const v1 = Buffer.alloc(20 + body.length);
    v1.write('LLQLEDG\n', 0, 'latin1');
    v1.writeUInt32LE(1, 8);
    v1.writeUInt32LE(body.length, 12);
    v1.writeUInt32LE(crc32(body), 16);
    body.copy(v1, 20);
    expect(decodeLedger(v1)).toEqual({ ok: true, state });
    v1[v1.length - 2] = v1[v1.length - 2]! ^ 1;
    expect(decodeLedger(v1)).toEqual({ ok: false, reason: 'ledger crc mismatch' });
  });
});
