import * as nodeModule from 'node:module';

/**
 * Turns on Node's on-disk compile cache (Node >= 22.1) for this process, so the modules loaded
 * after it are compiled once and reused on later starts. The directory is NODE_COMPILE_CACHE when
 * set, otherwise Node's default (`node-compile-cache` under the OS temp directory);
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off. A no-op where unavailable; never throws.
 */
export function enableCompileCache(): void {
  try {
    const enable = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
    if (typeof enable === 'function') enable();
  } catch {
    // No cache: modules are compiled as usual.
  }
}
