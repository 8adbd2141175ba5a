import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDiskQueue, type DiskQueue, type QueueBatch } from '@otel-lifeline/disk-queue';
import { abandonDiskQueue } from '../src/disk-queue.js';
import { tempDir, text } from './helpers.js';

/**
 * Model-based test: random sequences of append, flush, read, ack, rewind, crash and reopen run
 * against the real queue on a real directory and against a plain in-memory model; after every
 * step the records read and the pending counts must agree.
 *
 * Crashes abandon the instance (nothing more written, buffer lost, lock left behind); since every
 * operation is awaited, the model knows exactly what is durable: what flush() confirmed, and
 * acknowledgements whose ack() resolved.
 */
interface CursorModel {
  acked: number;
  read: number;
  inFlight: Array<{ from: number; to: number; batch: QueueBatch }>;
}

interface Model {
  durable: string[];
  buffered: string[];
  cursors: Record<string, CursorModel>;
  nextId: number;
}

interface Real {
  queue: DiskQueue;
  reopen: () => Promise<DiskQueue>;
}

type Cmd = fc.AsyncCommand<Model, Real>;

const freshCursor = (): CursorModel => ({ acked: 0, read: 0, inFlight: [] });

class AppendCommand implements Cmd {
  constructor(readonly sizes: number[]) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    for (const size of this.sizes) {
      const id = `rec-${m.nextId++}-`;
      const payload = id.padEnd(Math.max(size, id.length), 'x');
      expect(r.queue.append(Buffer.from(payload))).toBe(true);
      m.buffered.push(payload);
    }
    expect(r.queue.stats().bufferedRecords).toBe(m.buffered.length);
  }
  toString = () => `append(${this.sizes.join(',')})`;
}

class FlushCommand implements Cmd {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.queue.flush();
    m.durable.push(...m.buffered);
    m.buffered = [];
    checkPending(m, r);
  }
  toString = () => 'flush';
}

class ReadCommand implements Cmd {
  constructor(
    readonly cursor: string,
    readonly maxRecords: number,
  ) {}
  check = (m: Model) => m.cursors[this.cursor] !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.cursors[this.cursor]!;
    const batch = await r.queue.cursor(this.cursor).read({ maxRecords: this.maxRecords });
    const expected = m.durable.slice(c.read, c.read + this.maxRecords);
    if (expected.length === 0) {
      expect(batch).toBeUndefined();
      return;
    }
    expect(batch?.records.map(text)).toEqual(expected);
    c.inFlight.push({ from: c.read, to: c.read + expected.length, batch: batch! });
    c.read += expected.length;
  }
  toString = () => `read(${this.cursor}, ${this.maxRecords})`;
}

class AckCommand implements Cmd {
  constructor(
    readonly cursor: string,
    readonly pick: number,
  ) {}
  check = (m: Model) => (m.cursors[this.cursor]?.inFlight.length ?? 0) > 0;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.cursors[this.cursor]!;
    const chosen = c.inFlight[this.pick % c.inFlight.length]!;
    await r.queue.cursor(this.cursor).ack(chosen.batch);
    c.acked = Math.max(c.acked, chosen.to);
    c.inFlight = c.inFlight.filter((b) => b.to > c.acked);
    checkPending(m, r);
    const allAcked = Object.values(m.cursors).every((x) => x.acked === m.durable.length);
    if (allAcked) expect(r.queue.stats().segments).toBeLessThanOrEqual(1);
  }
  toString = () => `ack(${this.cursor}, #${this.pick})`;
}

class RewindCommand implements Cmd {
  constructor(readonly cursor: string) {}
  check = (m: Model) => m.cursors[this.cursor] !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    r.queue.cursor(this.cursor).rewind();
    const c = m.cursors[this.cursor]!;
    c.read = c.acked;
    c.inFlight = [];
  }
  toString = () => `rewind(${this.cursor})`;
}

class ReopenCommand implements Cmd {
  constructor(readonly crash: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    if (this.crash) {
      await abandonDiskQueue(r.queue);
      m.buffered = [];
    } else {
      await r.queue.close();
      m.durable.push(...m.buffered);
      m.buffered = [];
    }
    r.queue = await r.reopen();
    for (const c of Object.values(m.cursors)) {
      c.read = c.acked;
      c.inFlight = [];
    }
    expect(r.queue.stats().bufferedRecords).toBe(0);
    checkPending(m, r);
  }
  toString = () => (this.crash ? 'crash+reopen' : 'close+reopen');
}

function checkPending(m: Model, r: Real): void {
  const stats = r.queue.stats();
  for (const [name, c] of Object.entries(m.cursors)) {
    expect({ name, pending: stats.cursors[name]?.pendingRecords }).toEqual({
      name,
      pending: m.durable.length - c.acked,
    });
  }
  expect(Object.values(stats.drops).reduce((a, b) => a + b, 0)).toBe(0);
}

describe('disk queue against a model', () => {
  it('agrees with an in-memory FIFO over random appends, reads, acks, rewinds, crashes and reopens', async () => {
    const cursorName = fc.constantFrom('a', 'b');
    const commands = [
      fc
        .array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 6 })
        .map((s) => new AppendCommand(s)),
      fc.constant(new FlushCommand()),
      fc.tuple(cursorName, fc.integer({ min: 1, max: 7 })).map(([c, n]) => new ReadCommand(c, n)),
      fc.tuple(cursorName, fc.nat(4)).map(([c, i]) => new AckCommand(c, i)),
      cursorName.map((c) => new RewindCommand(c)),
      fc.boolean().map((crash) => new ReopenCommand(crash)),
    ];
    const config = fc.record({
      segmentBytes: fc.integer({ min: 64, max: 700 }),
      cursors: fc.constantFrom<string[]>(['a'], ['a', 'b']),
    });
    await fc.assert(
      fc.asyncProperty(config, fc.commands(commands, { maxCommands: 40 }), async (cfg, cmds) => {
        const { dir, cleanup } = await tempDir('lifeline-dq-model-');
        const open = () =>
          openDiskQueue({
            directory: dir,
            cursors: cfg.cursors,
            segmentBytes: cfg.segmentBytes,
            fsyncIntervalMs: 1_000_000_000, // only explicit flushes write: the model knows what is durable
          });
        const model: Model = { durable: [], buffered: [], cursors: {}, nextId: 0 };
        for (const c of cfg.cursors) model.cursors[c] = freshCursor();
        const real: Real = { queue: await open(), reopen: open };
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        } finally {
          await real.queue.close();
          await cleanup();
        }
      }),
      { numRuns: 1000 },
    );
  }, 240_000);
});
