import { isHighEntropyToken } from './entropy.js';
import { mightHoldSecret } from './secret-prefilter.js';
import { scrubSecrets } from './value-detectors.js';

/** What a whole value is: a secret, personal data, or neither (undefined). */
export type ValueClass = 'secret' | 'personal' | undefined;

/**
 * Classifies one whole value — a query value under any name, a path segment — with the text
 * detectors and the high-entropy detector. The value is already percent-decoded.
 */
export function classifyValue(value: string): ValueClass {
  if (value.length < 6 || isUuid(value)) return undefined;
  let found: ValueClass;
  // Most values (ids, words, dates) stop at the prefilter's one pass.
  if (mightHoldSecret(value)) {
    scrubSecrets(value, (secret, personal) => {
      if (!personal) found = 'secret';
      else found ??= 'personal';
      return secret;
    });
    if (found === 'secret') return found;
  }
  if (isHighEntropyToken(value)) return 'secret';
  if (found === undefined && value.includes('://') && URL_START.test(value)) return classifyUrlPieces(value);
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

/**
 * `8-4-4-4-12` hexadecimal: a UUID, the most common id in a path, and never a secret by default
 * (see entropy.ts). The detectors find nothing in one either, unless it were made of digits only
 * (a card-number pattern could take twelve of them for a card): that is still a UUID.
 */
function isUuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}
