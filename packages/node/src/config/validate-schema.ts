import type { ConfigValidationError } from '../../generated/config-validator.js';
import { validate } from '../../generated/config-validator.js';
import type { ConfigProblem } from './config-problem.js';
import { showSecret, showValue } from './config-problem.js';
import { isSecretPath } from './env-keys.js';

/** The published schema, read from the package (`schema/lifeline-config.schema.json`). */
export const CONFIG_SCHEMA_URL = new URL('../../schema/lifeline-config.schema.json', import.meta.url);

// `validate` is the schema compiled by Ajv at build time (scripts/build-config-validator.mjs):
// compiling it at start would generate code from strings, which hardened runtimes refuse.
type ErrorObject = ConfigValidationError;

/**
 * Checks a file (or code options) against the JSON Schema: unknown keys and wrong types (both
 * errors). Returns
 * the problems and the set of paths that failed, so the resolver treats them as unset instead of
 * reporting them twice.
 */
export function validateAgainstSchema(
  value: unknown,
  prefix: string,
): { problems: ConfigProblem[]; invalidPaths: Set<string> } {
  const problems: ConfigProblem[] = [];
  const invalidPaths = new Set<string>();
  if (validate(value)) return { problems, invalidPaths };
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const problem = toProblem(error, value, prefix);
    if (!problem) continue;
    const id = `${problem.key}|${problem.expected}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
    invalidPaths.add(problem.key.slice(prefix.length));
  }
  return { problems, invalidPaths };
}

function toProblem(error: ErrorObject, root: unknown, prefix: string): ConfigProblem | undefined {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const path = [...segments, extra].join('.');
    const allowed = allowedKeys(error);
    // An error, as in the Collector: a misspelt key would otherwise leave its setting at the
    // default without a word (a top-level `exporter:` sends to the default endpoint).
    return {
      severity: 'error',
      key: `${prefix}${path}`,
      value: '',
      expected: `unknown key${suggest(extra, allowed)}; expected one of ${allowed.join(', ')}`,
      effect: 'ignoring it',
    };
  }
  const path = segments.join('.');
  const value = valueAt(root, segments);
  const shown = isSecretPath(path) ? showSecret(value) : showValue(value);
  let expected: string;
  switch (error.keyword) {
    case 'type':
      expected = `expected ${describeType((error.params as { type: string | string[] }).type)}`;
      break;
    case 'enum':
      expected = `expected one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
      break;
    default:
      expected = `expected a value that ${error.message ?? 'matches the schema'}`;
  }
  return {
    severity: 'error',
    key: `${prefix}${path === '' ? '(top level)' : path}`,
    value: shown,
    expected,
    effect: 'using the default',
  };
}

function describeType(type: string | string[]): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
  };
  const list = Array.isArray(type) ? type : [type];
  return list.map((t) => names[t] ?? t).join(' or ');
}

function allowedKeys(error: ErrorObject): string[] {
  const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(schema?.properties ?? {});
}

function suggest(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3))
    ? ` (did you mean ${best}?)`
    : '';
}

/** Levenshtein distance, for "did you mean" hints. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const s of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[s];
  }
  return node;
}

export { suggest as suggestKey };
