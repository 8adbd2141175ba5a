import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeFileSystem, type FileSystem } from '@otel-lifeline/disk-queue';
import { decodeLedger, LEDGER_FILE, LedgerWriter, type LedgerState } from '../src/ledger.js';
import { tempDir } from './helpers.js';

/** The real file system, counting the calls that replace the ledger file. */
function countingFileSystem(): FileSystem & { renames: number } {
  const real = createNodeFileSystem();
  const fs = {
    ...real,
    renames: 0,
    rename: async (from: string, to: string) => {
      fs.renames++;
      await real.rename(from, to);
    },
  };
  return fs;
}

describe('LedgerWriter', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** What the writer under test snapshots; each test points it at its own state. */
  let current: () => LedgerState = () => ({ cursors: {}, writtenAtMs: 0 });

  async function setUp() {
    dir = (await tempDir('lifeline-dq-ledger-writer-')).dir;
    const fs = countingFileSystem();
    const errors: unknown[] = [];
    const writer = new LedgerWriter(
      fs,
      dir,
      () => current(),
      0o600,
      (e) => errors.push(e),
    );
    return { fs, writer, errors, directory: dir };
  }

  async function ledgerOnDisk(directory: string): Promise<LedgerState> {
    const decoded = decodeLedger(await readFile(join(directory, LEDGER_FILE)));
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.state;
  }

  it('writes the file once, then each ledger into a slot in place; the newest is read back, the size never changes', async () => {
    const { fs, writer, errors, directory } = await setUp();
    let state: LedgerState = { cursors: {}, writtenAtMs: 0 };
    current = () => state;
    const sizes = new Set<number>();
    let previous: LedgerState | undefined;
    for (let i = 1; i <= 9; i++) {
      state = { cursors: { a: { segment: i, offset: 16 * i, seq: 100 * i } }, writtenAtMs: i };
      await writer.persist();
      const bytes = await readFile(join(directory, LEDGER_FILE));
      expect(decodeLedger(bytes)).toEqual({ ok: true, state });
      sizes.add(bytes.length);
      if (previous !== undefined) {
        // Torn now, the slot just written leaves the one before it: the previous ledger.
        const newest = i % 2 === 1 ? 4096 : 8192;
        const torn = Buffer.from(bytes).fill(0, newest + 20, newest + 4096);
        expect(decodeLedger(torn)).toEqual({ ok: true, state: previous });
      }
      previous = state;
    }
    expect(fs.renames).toBe(1);
    expect([...sizes]).toEqual([4096 * 3]);
    await writer.close();
    expect(errors).toEqual([]);
  });

  it('writes the file afresh when a body outgrows the slots, and after it was closed', async () => {
    const { fs, writer, errors, directory } = await setUp();
    let state: LedgerState = { cursors: { a: { segment: 1, offset: 0, seq: 0 } }, writtenAtMs: 0 };
    current = () => state;
    await writer.persist();
    await writer.persist();
    expect(fs.renames).toBe(1);
    const cursors = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`cursor-${i}`, { segment: i, offset: i, seq: i }]),
    );
    state = { cursors, writtenAtMs: 1 };
    await writer.persist();
    expect(fs.renames).toBe(2);
    expect(await ledgerOnDisk(directory)).toEqual(state);
    expect((await stat(join(directory, LEDGER_FILE))).size).toBeGreaterThan(4096 * 3);
    await writer.close();
    state = { cursors: { b: { segment: 7, offset: 7, seq: 7 } }, writtenAtMs: 2 };
    await writer.persist();
    expect(fs.renames).toBe(3);
    expect(await ledgerOnDisk(directory)).toEqual(state);
    await writer.close();
    expect(errors).toEqual([]);
  });
});
