import { createRequire, register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FRAMEWORK_ENTRY_FILES } from './framework-module.js';

/**
 * The framework modules whose ES-module form the loader hook wraps: their bare names, and their
 * entry files by path, so that a package installed under an alias (`express4@npm:express@4`, whose
 * files sit in a folder named `express`) is wrapped too. Every other module loads untouched.
 */
export const FRAMEWORK_MODULES: readonly string[] = Object.keys(FRAMEWORK_ENTRY_FILES);
const ENTRY_FILE_URLS = new RegExp(
  `/node_modules/(?:${Object.values(FRAMEWORK_ENTRY_FILES)
    .map((file) => file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')})$`,
);

let registered = false;

/**
 * Defined (true) by the bundle of @otel-lifeline/node's register entry, which carries this module
 * and `@opentelemetry/instrumentation` inside it: the instrumentations there import
 * import-in-the-middle from the bundle's own location.
 */
declare const LIFELINE_BUNDLE: boolean | undefined;

/**
 * Registers import-in-the-middle's loader hook, limited to the framework modules, so that
 * `import express from 'express'` reaches the same module hooks `require('express')` does. Call it
 * from an `--import` entry, before the application's first import; later calls do nothing.
 * CommonJS needs no loader: require-in-the-middle patches `require` itself.
 *
 * Where Node runs import-in-the-middle's synchronous hooks (`module.registerHooks`: Node >= 22.22.3,
 * >= 24.11.1, >= 25.1) they run in the application's thread. Elsewhere the asynchronous loader
 * (`module.register`) runs on a loader thread: starting that thread and the round trip it adds to
 * every import cost about 60 ms of start-up (bench/lifecycle.js). Either way the hook is the copy
 * of import-in-the-middle that `@opentelemetry/instrumentation` loads, the one whose `Hook`s the
 * instrumentations register.
 */
export function registerFrameworkLoaderHook(): void {
  if (registered) return;
  registered = true;
  const include = [...FRAMEWORK_MODULES, ENTRY_FILE_URLS];
  // The file import-in-the-middle is resolved from, as `@opentelemetry/instrumentation` resolves it.
  const base =
    typeof LIFELINE_BUNDLE === 'boolean'
      ? fileURLToPath(import.meta.url)
      : createRequire(import.meta.url).resolve('@opentelemetry/instrumentation');
  if (registerInThread(base, include)) return;
  register('import-in-the-middle/hook.mjs', pathToFileURL(base), { data: { include } });
}

interface SyncHooks {
  supportsSyncHooks(): boolean;
  register(options: { include: Array<string | RegExp> }): void;
}

function registerInThread(base: string, include: Array<string | RegExp>): boolean {
  try {
    const requireBeside = createRequire(base);
    // The version check alone first: it imports nothing, so a Node without usable synchronous
    // hooks does not load the loader's parser for nothing.
    const { supportsSyncHooks } = requireBeside('import-in-the-middle/supports-sync-hooks.mjs') as Pick<
      SyncHooks,
      'supportsSyncHooks'
    >;
    if (!supportsSyncHooks()) return false;
    (requireBeside('import-in-the-middle/register-hooks.mjs') as SyncHooks).register({ include });
    return true;
  } catch {
    // An import-in-the-middle before 3.1 (no synchronous hooks), or a Node that cannot require()
    // an ES module: the loader thread does the same work.
    return false;
  }
}
