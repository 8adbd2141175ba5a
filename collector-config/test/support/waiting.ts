export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every 50 ms; resolves with the ms it took, or undefined after `timeoutMs`. */
export async function within(timeoutMs: number, predicate: () => boolean): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (predicate()) return Date.now() - start;
    await sleep(50);
  }
  return predicate() ? Date.now() - start : undefined;
}
