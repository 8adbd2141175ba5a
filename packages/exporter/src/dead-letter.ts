import { mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { ExporterError } from './errors.js';

/*
 * Dead-letter file format: one file per permanently rejected batch, so a file is either whole or
 * absent (written to `<name>.tmp`, fdatasync'd, then renamed).
 *
 *   <dir>/<time>-<pid>-<seq>.deadletter
 *   ┌──────────────────────────────────────────────┬────┬─────────────────────────────────────┐
 *   │ metadata: one line of JSON (UTF-8, no '\n')  │ \n │ body: `bodyBytes` bytes, the batch   │
 *   │ {"format":"lifeline-dead-letter/1", ...}     │    │ exactly as queued (OTLP protobuf    │
 *   └──────────────────────────────────────────────┴────┴─ Export<Signal>ServiceRequest) ─────┘
 *
 * Metadata fields: format, signal, endpoint, status (HTTP status when there was one), reason,
 * time (ISO 8601), items (log records | spans | data points), bodyBytes, contentType.
 */
export const DEAD_LETTER_FORMAT = 'lifeline-dead-letter/1';

export interface DeadLetterMetadata {
  format: typeof DEAD_LETTER_FORMAT;
  signal: string;
  endpoint: string;
  status?: number;
  reason: string;
  time: string;
  items: number;
  bodyBytes: number;
  contentType: 'application/x-protobuf';
}

export interface DeadLetterWriter {
  readonly directory: string;
  /** Writes one batch; resolves to the file written, or undefined when the directory is full or unwritable. */
  write(
    body: Uint8Array,
    metadata: Omit<DeadLetterMetadata, 'format' | 'bodyBytes' | 'contentType' | 'time'> & { time?: string },
  ): Promise<string | undefined>;
}

export interface DeadLetterOptions {
  directory: string;
  /** Bytes the directory may hold, default 64 MiB; past it batches are dropped and counted instead. */
  maxBytes?: number;
  /** Called when a batch cannot be kept (full or an I/O error). */
  onError?: (error: Error) => void;
}

const SUFFIX = '.deadletter';
let sequence = 0;

export function createDeadLetterWriter(options: DeadLetterOptions): DeadLetterWriter {
  const directory = options.directory;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  let usedBytes: Promise<number> | undefined;

  const measure = async (): Promise<number> => {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    let total = 0;
    for (const name of await readdir(directory)) {
      if (!name.endsWith(SUFFIX)) continue;
      total += (await stat(path.join(directory, name)).catch(() => ({ size: 0 }))).size;
    }
    return total;
  };

  return {
    directory,
    async write(body, fields) {
      try {
        usedBytes ??= measure();
        const used = await usedBytes;
        const time = fields.time ?? new Date().toISOString();
        const metadata: DeadLetterMetadata = {
          format: DEAD_LETTER_FORMAT,
          ...fields,
          time,
          bodyBytes: body.byteLength,
          contentType: 'application/x-protobuf',
        };
        const header = Buffer.from(`${JSON.stringify(metadata)}\n`);
        const size = header.length + body.byteLength;
        if (used + size > maxBytes) {
          options.onError?.(
            new Error(`dead-letter directory ${directory} is full (${used} of ${maxBytes} bytes)`),
          );
          return undefined;
        }
        usedBytes = Promise.resolve(used + size);
        const name = `${time.replace(/[:.]/g, '-')}-${process.pid}-${++sequence}${SUFFIX}`;
        const file = path.join(directory, name);
        const handle = await open(`${file}.tmp`, 'w', 0o600);
        try {
          await handle.writev([header, body]);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        await rename(`${file}.tmp`, file);
        return file;
      } catch (error) {
        usedBytes = undefined;
        options.onError?.(error as Error);
        return undefined;
      }
    },
  };
}

/** Reads one dead-letter file back: its metadata and the exact batch bytes. */
export async function readDeadLetterFile(
  file: string,
): Promise<{ metadata: DeadLetterMetadata; body: Uint8Array }> {
  const bytes = await readFile(file);
  const newline = bytes.indexOf(0x0a);
  if (newline < 0) {
    throw new ExporterError(
      'LIFELINE_ERR_DEAD_LETTER',
      `${file}: no metadata line (expected JSON then '\\n' at the start)`,
    );
  }
  let metadata: DeadLetterMetadata;
  try {
    metadata = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as DeadLetterMetadata;
  } catch (error) {
    throw new ExporterError(
      'LIFELINE_ERR_DEAD_LETTER',
      `${file}: metadata at byte 0 is not JSON: ${(error as Error).message}`,
    );
  }
  if (metadata.format !== DEAD_LETTER_FORMAT) {
    throw new ExporterError(
      'LIFELINE_ERR_DEAD_LETTER',
      `${file}: format is ${JSON.stringify(metadata.format)}, expected "${DEAD_LETTER_FORMAT}"`,
    );
  }
  const body = bytes.subarray(newline + 1);
  if (body.byteLength !== metadata.bodyBytes) {
    throw new ExporterError(
      'LIFELINE_ERR_DEAD_LETTER',
      `${file}: body at byte ${newline + 1} holds ${body.byteLength} bytes, metadata says bodyBytes ${metadata.bodyBytes}`,
    );
  }
  return { metadata, body };
}
