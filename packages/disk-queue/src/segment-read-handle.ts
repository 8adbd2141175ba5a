import { errorCode, type FileSystem, type OpenFile } from './file-system.js';
import type { Segment } from './segment.js';

/**
 * A read handle on a segment's file. When the file is gone (its directory deleted under the
 * process) but this process still writes it, the write handle (opened read-write) reads what was
 * written: the records are still deliverable, though no longer on any disk.
 */
export async function openForReading(fs: FileSystem, segment: Segment): Promise<OpenFile> {
  try {
    return await fs.open(segment.path, 'r');
  } catch (error) {
    const writer = segment.writeFile;
    if (errorCode(error) !== 'ENOENT' || writer === undefined) throw error;
    const refuse = (): Promise<never> => Promise.reject(new Error('read-only view of a segment'));
    return {
      // Once the writer closed it, the file is gone for good: ENOENT makes readers move on.
      read: (buffer, offset, length, position) =>
        segment.writeFile === writer ? writer.read(buffer, offset, length, position) : Promise.reject(error),
      writev: refuse,
      datasync: () => Promise.resolve(),
      sync: () => Promise.resolve(),
      truncate: refuse,
      size: () => writer.size(),
      close: () => Promise.resolve(), // the writer closes the handle
    };
  }
}
