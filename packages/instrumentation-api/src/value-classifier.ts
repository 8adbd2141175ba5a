import { isHighEntropyToken } from './entropy.js';
import { scrubSecrets } from './value-detectors.js';

/** What a whole value is: a secret, personal data, or neither (undefined). */
export type ValueClass = 'secret' | 'personal' | undefined;

/**
 * Classifies one whole value — a query value under any name, a path segment — with the text
 * detectors and the high-entropy detector. The value is already percent-decoded.
 */
export function classifyValue(value: string): ValueClass {
  if (value.length < 6) return undefined;
  let found: ValueClass;
  scrubSecrets(value, (secret, personal) => {
    if (!personal) found = 'secret';
    else found ??= 'personal';
    return secret;
  });
  if (found === 'secret') return found;
  if (isHighEntropyToken(value)) return 'secret';
  if (found === undefined && URL_START.test(value)) return classifyUrlPieces(value);
  return found;
}

const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A URL given as a value (a webhook URL in a query, a redirect target): its path and query pieces, one by one. */
function classifyUrlPieces(url: string): ValueClass {
  let found: ValueClass;
  for (const piece of url.split(/[/?&=#]/)) {
    if (piece.length < 6) continue;
    const kind = classifyValue(piece);
    if (kind === 'secret') return kind;
    found ??= kind;
  }
  return found;
}
