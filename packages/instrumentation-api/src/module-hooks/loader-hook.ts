import { register } from 'node:module';
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
 * Registers import-in-the-middle's loader hook (through `@opentelemetry/instrumentation/hook.mjs`,
 * the copy the instrumentations' `Hook`s belong to), limited to the framework modules, so that
 * `import express from 'express'` reaches the same module hooks `require('express')` does. Call it
 * from an `--import` entry, before the application's first import; later calls do nothing.
 * CommonJS needs no loader: require-in-the-middle patches `require` itself.
 */
export function registerFrameworkLoaderHook(): void {
  if (registered) return;
  registered = true;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: [...FRAMEWORK_MODULES, ENTRY_FILE_URLS] },
  });
}
