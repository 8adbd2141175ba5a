import { isPersonalKey } from './sensitive-keys.js';
import type { SensitiveKeyMatcher } from './sensitive-keys.js';
import { classifyValue } from './value-classifier.js';
import { isReplacement } from './value-detectors.js';

/** Query strings and form bodies, pair by pair: a value is replaced by its key's class, else by what the detectors find in it. */
export function createQueryRedaction(
  isSensitiveKey: SensitiveKeyMatcher,
  detect: boolean,
  replace: (value: string, kind: 'secret' | 'personal') => string | undefined,
): (query: string) => string {
  /** The class of one `key=value` pair's value, by its key and then by its value. */
  const pairClass = (pair: string, eq: number): 'secret' | 'personal' | undefined => {
    const name = decodeComponent(pair.slice(0, eq));
    if (isSensitiveKey(name)) return 'secret';
    if (isPersonalKey(name)) return 'personal';
    return detect ? classifyValue(decodeComponent(pair.slice(eq + 1))) : undefined;
  };
  /**
   * Scans the pairs in place and allocates only from the first secret on: a query without
   * secrets (the common case) is returned as is, with no array or string built.
   */
  const redactQuery = (query: string): string => {
    if (query.length === 0) return query;
    let out: string[] | undefined;
    let start = 0;
    for (;;) {
      const amp = query.indexOf('&', start);
      const end = amp === -1 ? query.length : amp;
      const pair = query.slice(start, end);
      const eq = pair.indexOf('=');
      const kind = eq <= 0 || eq === pair.length - 1 ? undefined : pairClass(pair, eq);
      if (kind !== undefined && !isReplacement(decodeComponent(pair.slice(eq + 1)))) {
        out ??= start === 0 ? [] : query.slice(0, start - 1).split('&');
        const replacement = replace(decodeComponent(pair.slice(eq + 1)), kind);
        if (replacement !== undefined) out.push(`${pair.slice(0, eq)}=${replacement}`);
      } else if (out !== undefined) {
        out.push(pair);
      }
      if (amp === -1) break;
      start = amp + 1;
    }
    return out === undefined ? query : out.join('&');
  };

  return redactQuery;
}

function decodeComponent(text: string): string {
  if (!hasEscapes(text)) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Whether a query component holds `%` or `+`: one pass (query keys and values are short). */
function hasEscapes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37 || c === 43) return true;
  }
  return false;
}
