import { redactPath } from './path-redaction.js';

const PATH_IN_TEXT = /(^|[\s"'(=:]|[a-z0-9.-]\.[a-z]{2,}(?::\d+)?)(\/[A-Za-z0-9._~%!$&*+,;:@/-]{5,})/g;
const CLEAN_CACHE_SIZE = 1024;

/** Paths inside text (`Cannot GET /reset/<token>`, `Route GET:/users/alice`, a URL in a message) get the path rules. */
export function scrubPathsInText(
  text: string,
  inPath: (segment: string, kind: 'secret' | 'personal') => string,
): string {
  if (text.indexOf('/') === -1) return text;
  PATH_IN_TEXT.lastIndex = 0;
  return text.replace(PATH_IN_TEXT, (match: string, before: string, path: string) => {
    const clean = redactPath(path, inPath);
    return clean === path ? match : before + clean;
  });
}

/**
 * Strings found clean, remembered: host names, client addresses, user agents and paths repeat
 * from request to request, and a Set lookup costs far less than the detectors. Only clean
 * strings are kept (never a secret), at most CLEAN_CACHE_SIZE, forgotten all at once when full.
 */
export function createCleanMemory(): (scrub: (text: string) => string) => (text: string) => string {
  const clean = new Set<string>();
  return (scrub) => (text) => {
    if (text.length > 256) return scrub(text);
    if (clean.has(text)) return text;
    const out = scrub(text);
    if (out === text) {
      if (clean.size >= CLEAN_CACHE_SIZE) clean.clear();
      clean.add(text);
    }
    return out;
  };
}
