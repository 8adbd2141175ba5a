import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import type { Document } from 'yaml';
import { LifelineConfigError } from '../errors.js';
import { substituteEnv } from './substitute-env.js';

type Yaml = typeof YamlModule;
let yaml: Yaml | undefined;

/**
 * The YAML parser, loaded on first use: an app configured by the environment never pays for it at
 * start. The register entry's bundle carries the parser inside it (scripts/bundle-register.mjs
 * turns this require into one the bundler follows), still run on first use only.
 */
function loadYaml(): Yaml {
  yaml ??= createRequire(import.meta.url)('yaml') as Yaml;
  return yaml;
}

/**
 * Reads a YAML configuration file and applies `${VAR}` substitution to scalar values only (never
 * to keys). A plain (unquoted) scalar is typed after substitution, so `port: ${PORT}` gives a
 * number; a quoted scalar stays a string. Throws LifelineConfigError when the file cannot be read
 * or parsed, naming the file and the line.
 */
export function readConfigFile(file: string, env: Readonly<Record<string, string | undefined>>): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LifelineConfigError(
      `${file}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseConfigText(text, env, file);
}

export function parseConfigText(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  file = 'configuration',
): unknown {
  const doc = loadYaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const at = first?.linePos?.[0] ? ` line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    throw new LifelineConfigError(
      `${file}:${at} not valid YAML: ${first?.message.split('\n')[0] ?? 'parse error'}`,
    );
  }
  substituteScalars(doc, text, env, file);
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new LifelineConfigError(
      `${file}: expected a YAML mapping at the top level (keys such as endpoints:, queue:)`,
    );
  }
  return value;
}

function substituteScalars(
  doc: Document,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  file: string,
): void {
  loadYaml().visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const line = node.range ? text.slice(0, node.range[0]).split('\n').length : undefined;
      const substituted = substituteEnv(node.value, env, line === undefined ? file : `${file}: line ${line}`);
      if (node.type === 'PLAIN') {
        // Types are interpreted after substitution, as if the value had been written in the file.
        const typed: unknown = substituted === '' ? null : safeScalar(substituted);
        node.value = typed;
      } else {
        node.value = substituted;
      }
    },
  });
}

function safeScalar(text: string): unknown {
  try {
    const typed: unknown = loadYaml().parse(text);
    return typed === null || ['number', 'boolean'].includes(typeof typed) ? typed : text;
  } catch {
    return text;
  }
}
