import { showSecret, showValue } from './config-problem.js';
import type { ConfigProblem } from './config-problem.js';
import type { ConfigEntry, ConfigSource } from './config-source.js';
import type { Parsed } from './parse-values.js';

/**
 * Reads one value through a parser; a bad value becomes a ConfigProblem naming the key, the value
 * and what was expected, and the default is used instead (said in the problem's effect).
 */
export interface ConfigReader {
  readonly problems: ConfigProblem[];
  entry(path: string): ConfigEntry | undefined;
  read<T>(path: string, parse: (value: unknown) => Parsed<T>, fallback: T, fallbackText?: string): T;
  readOptional<T>(path: string, parse: (value: unknown) => Parsed<T>, effect?: string): T | undefined;
  report(entry: ConfigEntry, expected: string, effect: string, severity?: 'error' | 'warning'): void;
}

export function createConfigReader(source: ConfigSource, problems: ConfigProblem[] = []): ConfigReader {
  const report: ConfigReader['report'] = (entry, expected, effect, severity = 'error') => {
    problems.push({
      severity,
      key: entry.key,
      value: entry.secret ? showSecret(entry.value) : showValue(entry.value),
      expected,
      effect,
    });
  };
  const readOptional: ConfigReader['readOptional'] = (path, parse, effect = 'ignoring it') => {
    const entry = source.get(path);
    if (entry === undefined) return undefined;
    const parsed = parse(entry.value);
    if (parsed.ok) return parsed.value;
    report(entry, parsed.expected, effect);
    return undefined;
  };
  return {
    problems,
    entry: (path) => source.get(path),
    report,
    readOptional,
    read(path, parse, fallback, fallbackText) {
      const value = readOptional(path, parse, `using the default ${fallbackText ?? showValue(fallback)}`);
      return value === undefined ? fallback : value;
    },
  };
}
