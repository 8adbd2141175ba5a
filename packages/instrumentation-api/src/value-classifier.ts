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
  return found;
}
