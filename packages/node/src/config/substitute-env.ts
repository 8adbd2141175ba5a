import { LifelineConfigError } from '../errors.js';

/**
 * Environment substitution in one scalar, by the OpenTelemetry declarative-configuration rules:
 *
 *   ${VAR}  ${env:VAR}  ${VAR:-default}   replaced by the variable (default when unset or empty)
 *   $$                                   a literal `$`
 *   any other `${...}`                   an error that fails the whole file
 *
 * Variable names are [A-Za-z_][A-Za-z0-9_]*. A default may contain anything but `}` and newlines.
 */
export function substituteEnv(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  where: string,
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    const body = close === -1 ? undefined : text.slice(i + 2, close);
    const match = body === undefined ? null : /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^\n]*))?$/.exec(body);
    if (!match || close === -1) {
      const shown = close === -1 ? text.slice(i) : text.slice(i, close + 1);
      throw new LifelineConfigError(
        `${where}: invalid substitution ${JSON.stringify(shown)}: expected \${VAR}, \${env:VAR} or \${VAR:-default} (write $$ for a literal $)`,
      );
    }
    const name = match[1] ?? '';
    const fallback = match[2];
    const current = env[name];
    if (
      (current === undefined || current === '') &&
      fallback === undefined &&
      text.trim() === text.slice(i, close + 1)
    ) {
      // The whole value is one variable that is not set: the key would silently become null (and a
      // URL fall back to localhost). Name it; `${VAR:-}` says an empty value is intended.
      throw new LifelineConfigError(
        `${where}: \${${body}} is not set: the environment variable ${name} is ${current === undefined ? 'unset' : 'empty'} and has no default (set it, or write \${${name}:-default}; \${${name}:-} for an empty value)`,
      );
    }
    out += current !== undefined && current !== '' ? current : (fallback ?? '');
    i = close + 1;
  }
  return out;
}
