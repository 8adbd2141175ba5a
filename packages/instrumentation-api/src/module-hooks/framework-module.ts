import { diag } from '@opentelemetry/api';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';

/**
 * Each framework's package and the file its bare name resolves to under `import`. The loader hook
 * wraps these files by path as well as by name, so a package installed under an alias is covered;
 * a file wrapped that way reaches the hooks under its path (`express/index.js`) rather than the
 * package's name, hence a file definition next to the package's own.
 */
export const FRAMEWORK_ENTRY_FILES = {
  express: 'express/index.js',
  koa: 'koa/dist/koa.mjs',
  hono: 'hono/dist/index.js',
  '@nestjs/core': '@nestjs/core/index.js',
} as const;
export type FrameworkModule = keyof typeof FRAMEWORK_ENTRY_FILES;

type Patch = (exports: unknown, version?: string) => unknown;
type Unpatch = (exports: unknown) => void;

/**
 * The module definition of a framework: its package (any version: `patch` checks) and its entry
 * file, plus any internal `files` to hook.
 */
export function frameworkModule(
  name: FrameworkModule,
  patch: Patch,
  unpatch: Unpatch,
  files: InstrumentationNodeModuleFile[] = [],
) {
  return new InstrumentationNodeModuleDefinition(name, ['*'], patch, unpatch, [
    new InstrumentationNodeModuleFile(FRAMEWORK_ENTRY_FILES[name], ['*'], patch, unpatch),
    ...files,
  ]);
}

const warned = new Set<string>();

/**
 * True when `version`'s major is one of `majors`. Otherwise the module is left as it is and one
 * diagnostic line says so (once per module name and version): its requests are still reported,
 * from the HTTP channels, only without `http.route` and the framework's caught errors.
 */
export function isSupportedMajor(
  module: string,
  version: string | undefined,
  majors: readonly number[],
): boolean {
  const major = Number.parseInt(version ?? '', 10);
  if (majors.includes(major)) return true;
  const key = `${module}@${version ?? '?'}`;
  if (!warned.has(key)) {
    warned.add(key);
    diag.warn(
      `lifeline instrumentation-api: ${module} ${version ?? '(unknown version)'} is not a version with route and error capture (majors ${majors.join(', ')}); its requests are reported without http.route`,
    );
  }
  return false;
}

/** The object a hook is given: CommonJS exports, or an ES module namespace whose default export is them. */
export function moduleValue<T>(exports: unknown): T {
  const namespace = exports as { [Symbol.toStringTag]?: unknown; default?: unknown };
  return (
    namespace[Symbol.toStringTag] === 'Module' && namespace.default !== undefined
      ? namespace.default
      : exports
  ) as T;
}
