import { scrubHighEntropy } from './entropy.js';
import { redactPath } from './path-redaction.js';
import type { Replacements } from './replacements.js';
import { isPersonalKey } from './sensitive-keys.js';
import type { SensitiveKeyMatcher } from './sensitive-keys.js';
import { isReplacement, scrubSecrets } from './value-detectors.js';

const KEY_VALUE_IN_TEXT = /([A-Za-z][\w.-]{0,63})(["']?\s*[:=]\s*["']?)([^\s"'&,;(){}[\]<>]{1,512})/g;
const PATH_IN_TEXT = /(^|[\s"'(=:]|[a-z0-9.-]\.[a-z]{2,}(?::\d+)?)(\/[A-Za-z0-9._~%!$&*+,;:@/-]{5,})/g;
const CLEAN_CACHE_SIZE = 1024;
const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate']);

export interface TextScrubber {
  /** Secrets anywhere in free text replaced: formats, `name=value` pairs, high-entropy tokens, paths. */
  scrubText(text: string): string;
  /** Wraps a scrubbing function with the memory of strings found clean. */
  remembered(scrub: (text: string) => string): (text: string) => string;
}

export function createTextScrubber(
  detect: boolean,
  isSensitiveKey: SensitiveKeyMatcher,
  { inText, inPath }: Replacements,
): TextScrubber {
  /** `name=value` / `name: value` / `"name":"value"` in free text, where `name` is a sensitive key. */
  const scrubKeyValues = (text: string): string => {
    if (text.indexOf('=') === -1 && text.indexOf(':') === -1) return text;
    KEY_VALUE_IN_TEXT.lastIndex = 0;
    return text.replace(KEY_VALUE_IN_TEXT, (match: string, name: string, sep: string, value: string) => {
      if (isReplacement(value) || AUTH_SCHEMES.has(value.toLowerCase()) || value.startsWith('//'))
        return match;
      if (isSensitiveKey(name)) return name + sep + inText(value);
      if (isPersonalKey(name) && !value.startsWith('{')) return name + sep + inText(value, true);
      return match;
    });
  };
  /** Paths inside text (`Cannot GET /reset/<token>`, a URL in a message) get the path rules. */
  const scrubPaths = (text: string): string => {
    if (text.indexOf('/') === -1) return text;
    PATH_IN_TEXT.lastIndex = 0;
    return text.replace(PATH_IN_TEXT, (match: string, before: string, path: string) => {
      const clean = redactPath(path, inPath);
      return clean === path ? match : before + clean;
    });
  };
  /**
   * Strings found clean, remembered: host names, client addresses, user agents and paths repeat
   * from request to request, and a Set lookup costs far less than the detectors. Only clean
   * strings are kept (never a secret), at most CLEAN_CACHE_SIZE, forgotten all at once when full.
   */
  const clean = new Set<string>();
  const remembered =
    (scrub: (text: string) => string) =>
    (text: string): string => {
      if (text.length > 256) return scrub(text);
      if (clean.has(text)) return text;
      const out = scrub(text);
      if (out === text) {
        if (clean.size >= CLEAN_CACHE_SIZE) clean.clear();
        clean.add(text);
      }
      return out;
    };
  const scrubText = remembered((text: string): string =>
    detect
      ? scrubPaths(scrubHighEntropy(scrubKeyValues(scrubSecrets(text, inText)), (t) => inText(t)))
      : text,
  );

  return { scrubText, remembered };
}
