import { resolve } from 'node:path';
import { ENV_KEYS, CONTROL_ENV_KEYS } from './env-keys.js';
import type { ConfigProblem } from './config-problem.js';
import { createEnvSource, createObjectSource, layerSources } from './config-source.js';
import type { ConfigSource } from './config-source.js';
import type { LoadedConfig } from './config-types.js';
import { readSdkSettings } from './otel-env.js';
import { readConfigFile } from './read-config-file.js';
import { resolveConfig } from './resolve-config.js';
import { suggestKey, validateAgainstSchema } from './validate-schema.js';
import { LifelineConfigError } from '../errors.js';

export interface LoadConfigOptions {
  /** Values in the file's shape (snake_case keys); they win over the file and the environment. */
  config?: Record<string, unknown>;
  /** A YAML file; default: LIFELINE_CONFIG_FILE. */
  configFile?: string;
  /** Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default process.cwd(). */
  cwd?: string;
  /** 'create' (default) makes the queue directory; 'check' only tests it. */
  queueDirectory?: 'create' | 'check';
}

/**
 * Reads the configuration: code options, then the file when one is given (it is then the source
 * of truth: other variables count only through ${VAR} substitution), else the environment.
 * Never throws for a bad value: each one is a ConfigProblem and the default is used; a file that
 * cannot be read or parsed leaves Lifeline off (config.enabled false) with the reason.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: ConfigProblem[] = [];
  const sources: ConfigSource[] = [];
  const sdk = readSdkSettings(env);
  problems.push(...sdk.problems);

  if (options.config !== undefined) {
    const checked = validateAgainstSchema(options.config, 'options.');
    problems.push(...checked.problems);
    sources.push(createObjectSource(options.config, 'options.', checked.invalidPaths));
  }

  // OTEL_CONFIG_FILE is OpenTelemetry's declarative configuration, not this format: refused in
  // readSdkSettings, never read here.
  const fileKey =
    options.configFile !== undefined
      ? 'configFile'
      : env.LIFELINE_CONFIG_FILE
        ? 'LIFELINE_CONFIG_FILE'
        : undefined;
  const file = options.configFile ?? (env.LIFELINE_CONFIG_FILE || undefined);
  // For the start-up banner: code options win over the file or the environment beside them.
  const fromCode = options.config !== undefined ? 'code options and ' : '';
  let sourceName = `${fromCode}${fromCode ? 'the ' : ''}environment`;
  if (file !== undefined && fileKey !== undefined) {
    sourceName = `${fromCode}${file}`;
    let parsed: unknown;
    try {
      parsed = readConfigFile(resolve(cwd, file), env);
    } catch (error) {
      const message = error instanceof LifelineConfigError ? error.message : String(error);
      problems.push({
        severity: 'error',
        key: fileKey,
        value: JSON.stringify(file),
        expected: message,
        effect: 'telemetry is off',
      });
      const { config } = resolveConfig(layerSources(...sources), {
        cwd,
        sourceName,
        queueDirectory: 'check',
      });
      config.enabled = false;
      config.disabledReason = `the configuration file ${file} cannot be used`;
      config.sdk = sdk.settings;
      return { config, problems };
    }
    const checked = validateAgainstSchema(parsed, '');
    problems.push(...checked.problems.map((p) => ({ ...p, key: `${file}: ${p.key}` })));
    sources.push(createObjectSource(parsed, `${file}: `, checked.invalidPaths));
    const ignored = ENV_KEYS.map(([name]) => name).filter((name) => (env[name] ?? '').trim() !== '');
    if (ignored.length > 0) {
      problems.push({
        severity: 'warning',
        key: fileKey,
        value: JSON.stringify(file),
        expected: `the file is the source of truth, so these variables are ignored: ${ignored.join(', ')}`,
        effect: 'reference them in the file as ${NAME} to use them',
      });
    }
  } else {
    sources.push(createEnvSource(env));
    problems.push(...unknownLifelineVariables(env));
  }

  const loaded = resolveConfig(layerSources(...sources), {
    cwd,
    sourceName,
    queueDirectory: options.queueDirectory ?? 'create',
    problems,
  });
  loaded.config.sdk = sdk.settings;
  return loaded;
}

function unknownLifelineVariables(env: Readonly<Record<string, string | undefined>>): ConfigProblem[] {
  const known = new Set([...ENV_KEYS.map(([name]) => name), ...CONTROL_ENV_KEYS]);
  const problems: ConfigProblem[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('LIFELINE_') || known.has(name)) continue;
    problems.push({
      severity: 'error',
      key: name,
      value: '',
      expected: `unknown variable${suggestKey(name, [...known])}`,
      effect: 'ignoring it',
    });
  }
  return problems;
}
