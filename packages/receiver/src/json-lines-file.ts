import { open, type FileHandle } from 'node:fs/promises';

export interface JsonLinesFile {
  /** Appends lines (each gets a trailing newline) in call order; resolves when they are written. */
  append(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * An append-only JSON-lines file. Appends are chained so lines of two requests never interleave,
 * and a request is answered only after its lines are written, so a test that saw the answer can
 * read the file.
 */
export async function openJsonLinesFile(path: string): Promise<JsonLinesFile> {
  const handle: FileHandle = await open(path, 'a');
  let tail: Promise<void> = Promise.resolve();
  let closed = false;
  return {
    append(lines) {
      if (closed || lines.length === 0) return tail;
      const text = lines.map((line) => `${line}\n`).join('');
      const write = tail.then(() => handle.appendFile(text, 'utf8'));
      // A failed write must not poison later ones; the caller of this append sees the error.
      tail = write.catch(() => undefined);
      return write;
    },
    async close() {
      if (closed) return;
      closed = true;
      await tail;
      await handle.close();
    },
  };
}
