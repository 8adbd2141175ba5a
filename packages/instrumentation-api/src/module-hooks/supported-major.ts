import { diag } from '@opentelemetry/api';

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
