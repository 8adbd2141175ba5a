import { diag } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { INSTRUMENTATION_VERSION } from '../scope.js';

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

/** The instrumentation's own wrap and unwrap (they see through ES module namespaces and re-wraps). */
export interface Shim {
  wrap<T extends object, K extends keyof T>(target: T, name: K, wrapper: (original: T[K]) => T[K]): void;
  unwrap<T extends object>(target: T, name: keyof T): void;
}

/** What one framework's module hook does; `createFrameworkInstrumentation` does the rest. */
export interface FrameworkHook {
  /** The instrumentation's name is `@otel-lifeline/instrumentation-<name>`. */
  name: string;
  module: FrameworkModule;
  /** The majors `patch` is given; other versions are left as they are, with one diagnostic line. */
  majors: readonly number[];
  /** Applies the adapter to the module's exports (a supported major); returns the exports to hand out. */
  patch(exports: unknown, shim: Shim): unknown;
  unpatch(exports: unknown, shim: Shim): void;
  /** Internal files of the framework's own package to hook as well. */
  files?(shim: Shim): InstrumentationNodeModuleFile[];
  /** Other packages the framework routes with. */
  modules?(shim: Shim): InstrumentationNodeModuleDefinition[];
}

/**
 * An OpenTelemetry instrumentation that applies a framework's adapter through its module hook:
 *
 *   require/import <module>  ──► version a supported major? ──► hook.patch(exports)
 *                                                    no     ──► exports as they are, one diagnostic line
 *   instrumentation.disable() ──► hook.unpatch(exports)
 */
export function createFrameworkInstrumentation(hook: FrameworkHook): Instrumentation {
  // A class per hook: InstrumentationBase calls init() from its constructor, before a subclass
  // could keep the hook in a field.
  class FrameworkInstrumentation extends InstrumentationBase {
    constructor() {
      super(`@otel-lifeline/instrumentation-${hook.name}`, INSTRUMENTATION_VERSION, {});
    }

    protected init() {
      const shim: Shim = { wrap: this._wrap, unwrap: this._unwrap };
      return [
        frameworkModule(
          hook.module,
          (exports, version) =>
            isSupportedMajor(hook.module, version, hook.majors) ? hook.patch(exports, shim) : exports,
          (exports) => hook.unpatch(exports, shim),
          hook.files?.(shim),
        ),
        ...(hook.modules?.(shim) ?? []),
      ];
    }
  }
  return new FrameworkInstrumentation();
}

/**
 * The module definition of a framework: its package (any version: `patch` checks) and its entry
 * file, plus any internal `files` to hook.
 */
function frameworkModule(
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

/** A wrapper for each method to wrap, by name. */
export type MethodWrappers<T> = { [K in keyof T]?: (original: NonNullable<T[K]>) => NonNullable<T[K]> };

/**
 * A hook that wraps methods of one object of the module, which is how most frameworks are hooked:
 * only what differs between them is declared.
 */
export interface MethodHook<M, T extends object> extends Omit<FrameworkHook, 'name' | 'patch' | 'unpatch'> {
  /** The instrumentation's name; the module's by default. */
  name?: string;
  /** The object whose methods are wrapped, found in the module's value (see `moduleValue`). */
  on(module: M): T | undefined;
  wrap: MethodWrappers<T>;
}

/**
 * The instrumentation of a `MethodHook`: `patch` wraps the methods only when every one of them is
 * a function, otherwise the module is handed out as it is; `unpatch` unwraps the same methods.
 */
export function declareMethodHook<M, T extends object>({
  on,
  wrap: wrappers,
  ...hook
}: MethodHook<M, T>): Instrumentation {
  const names = Object.keys(wrappers) as (keyof T)[];
  const target = (exports: unknown) => on(moduleValue<M>(exports));
  return createFrameworkInstrumentation({
    ...hook,
    name: hook.name ?? hook.module,
    patch(exports, { wrap }) {
      const object = target(exports);
      if (object === undefined || !names.every((name) => typeof object[name] === 'function')) return exports;
      for (const name of names) wrap(object, name, wrappers[name] as (original: T[keyof T]) => T[keyof T]);
      return exports;
    },
    unpatch(exports, { unwrap }) {
      const object = target(exports);
      if (object !== undefined) for (const name of names) unwrap(object, name);
    },
  });
}

const ADAPTED: unique symbol = Symbol('lifeline.adapted');

/**
 * A wrapper for an app's method that calls `adapt(app)` before the method's first run on that app
 * (one mark on the app); after that it costs one property check. Express wraps the method every
 * request goes through, Koa the one `listen()` calls.
 */
export function adaptingOnce<App extends object>(adapt: (app: App) => void) {
  return <Args extends unknown[], R>(original: (this: App, ...args: Args) => R) =>
    function lifelineAdaptOnce(this: App & { [ADAPTED]?: true }, ...args: Args): R {
      if (this[ADAPTED] !== true) {
        this[ADAPTED] = true;
        adapt(this);
      }
      return original.apply(this, args);
    };
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
