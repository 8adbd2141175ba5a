import { ENV_KEYS, isSecretPath } from './env-keys.js';

/** A value as the user wrote it, with the name to show in messages. */
export interface ConfigEntry {
  readonly key: string;
  readonly value: unknown;
  readonly secret: boolean;
}

/** Where the resolver reads raw values from, by configuration path (`queue.max_bytes`). */
export interface ConfigSource {
  get(path: string): ConfigEntry | undefined;
}

/** The environment: each path maps to its variable; an empty value is unset (OTel rule). */
export function createEnvSource(env: Readonly<Record<string, string | undefined>>): ConfigSource {
  const byPath = new Map<string, string>();
  for (const [name, path] of ENV_KEYS) byPath.set(path, name);
  return {
    get(path) {
      const name = byPath.get(path);
      if (name === undefined) return undefined;
      const value = env[name];
      if (value === undefined || value.trim() === '') return undefined;
      return { key: name, value, secret: isSecretPath(path) };
    },
  };
}

/** A parsed file or code options object (the file's shape). `prefix` is prepended to key names. */
export function createObjectSource(
  root: unknown,
  prefix: string,
  skip: ReadonlySet<string> = new Set(),
): ConfigSource {
  return {
    get(path) {
      if (skip.has(path)) return undefined;
      let node: unknown = root;
      for (const part of path.split('.')) {
        if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
        node = (node as Record<string, unknown>)[part];
      }
      if (node === undefined || node === null || node === '') return undefined;
      return { key: `${prefix}${path}`, value: node, secret: isSecretPath(path) };
    },
  };
}

/** The first source that has a value wins (code options, then the file or the environment). */
export function layerSources(...sources: ConfigSource[]): ConfigSource {
  return {
    get(path) {
      for (const source of sources) {
        const entry = source.get(path);
        if (entry !== undefined) return entry;
      }
      return undefined;
    },
  };
}
