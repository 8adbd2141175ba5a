import zlib from 'node:zlib';

/*
 * Zstandard (RFC 8878), a Content-Encoding of OTLP/HTTP bodies that the Collector takes, through
 * the runtime's node:zlib, which has it from Node 22.15 and 23.8 on.
 *
 * A zstd body may hold several frames one after the other (Lifeline's stored fragments, each led
 * by a skippable frame with its counts, are joined that way, as gzip members are). Node's
 * zstdDecompressSync stops at the end of the first frame it meets, so the frames are taken one at
 * a time: the engine says how many input bytes each call consumed.
 */

type ZstdCall = (buffer: Uint8Array, options?: object) => Buffer;
interface FrameStep {
  buffer: Buffer;
  engine: { bytesWritten: number };
}
type ZstdInfoCall = (buffer: Uint8Array, options: object) => FrameStep;
type ZstdInfoAsync = (
  buffer: Uint8Array,
  options: object,
  callback: (error: Error | null, step: FrameStep) => void,
) => void;

const runtime = zlib as unknown as {
  zstdCompressSync?: ZstdCall;
  zstdDecompressSync?: ZstdInfoCall;
  zstdDecompress?: ZstdInfoAsync;
  constants: Record<string, number>;
};

/** True when this runtime's node:zlib has zstd (Node 22.15, 23.8 and later). */
export const zstdAvailable =
  typeof runtime.zstdCompressSync === 'function' &&
  typeof runtime.zstdDecompressSync === 'function' &&
  typeof runtime.zstdDecompress === 'function';

/** Why zstd cannot be used here, for the errors that refuse it; undefined where it can. */
export const zstdMissing = zstdAvailable
  ? undefined
  : `this Node (${process.version}) has no zstd: node:zlib has it from 22.15 on`;

/** Level 1: on telemetry it stores fewer bytes than gzip level 1 in about half the time. */
const ZSTD_LEVEL = 1;

function requireZstd(): void {
  if (zstdMissing !== undefined) throw new Error(zstdMissing);
}

/**
 * One zstd frame of `data` at level 1, with its content size in the frame header and its
 * checksum (as a gzip member carries its CRC-32), which every zstd reader verifies.
 */
export function zstdCompress(data: Uint8Array): Buffer {
  requireZstd();
  const c = runtime.constants;
  return runtime.zstdCompressSync!(data, {
    params: { [c['ZSTD_c_compressionLevel']!]: ZSTD_LEVEL, [c['ZSTD_c_checksumFlag']!]: 1 },
  });
}

/** A body read frame by frame: each step's output, what it consumed, and the bound on the total. */
class Frames {
  readonly #parts: Buffer[] = [];
  #size = 0;
  #at = 0;
  constructor(
    readonly body: Uint8Array,
    readonly maxOutputLength: number,
  ) {}

  get done(): boolean {
    return this.#at >= this.body.length;
  }

  /** The input from the next frame on, and the options of its step (info, and the output left). */
  next(): [Uint8Array, object] {
    return [
      this.body.subarray(this.#at),
      { info: true, maxOutputLength: Math.max(1, this.maxOutputLength - this.#size) },
    ];
  }

  add({ buffer, engine }: FrameStep): void {
    if (engine.bytesWritten <= 0) throw new Error(`zstd body: no frame at byte ${this.#at}`);
    this.#at += engine.bytesWritten;
    this.#size += buffer.length;
    if (this.#size > this.maxOutputLength)
      throw new RangeError(`zstd body: more than ${this.maxOutputLength} bytes decompressed`);
    if (buffer.length > 0) this.#parts.push(buffer);
  }

  result(): Buffer {
    return this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts);
  }
}

/**
 * Every frame of a zstd body, decompressed and concatenated; skippable frames yield nothing.
 * Past `maxOutputLength` bytes of output it throws (zlib's ERR_BUFFER_TOO_LARGE, or a RangeError).
 */
export function zstdDecompress(body: Uint8Array, maxOutputLength = 2 ** 31 - 1): Buffer {
  requireZstd();
  const frames = new Frames(body, maxOutputLength);
  while (!frames.done) frames.add(runtime.zstdDecompressSync!(...frames.next()));
  return frames.result();
}

/** `zstdDecompress` on the thread pool, one frame at a time. */
export async function zstdDecompressAsync(body: Uint8Array, maxOutputLength = 2 ** 31 - 1): Promise<Buffer> {
  requireZstd();
  const frames = new Frames(body, maxOutputLength);
  while (!frames.done) {
    const [input, options] = frames.next();
    frames.add(
      await new Promise<FrameStep>((resolve, reject) =>
        runtime.zstdDecompress!(input, options, (error, step) => (error ? reject(error) : resolve(step))),
      ),
    );
  }
  return frames.result();
}
