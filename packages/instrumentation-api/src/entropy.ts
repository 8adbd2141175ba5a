/**
 * The high-entropy token detector: a long run of base64/base62 characters that mixes upper case,
 * lower case and digits and whose characters are spread out enough to be random, like an AWS
 * secret access key, a session token or a reset token minted with `randomBytes(…).toString('base64url')`.
 *
 * What it leaves alone, on purpose (the corpus measures it):
 * - hexadecimal strings of any length: UUIDs, commit hashes (`/commits/<sha>`), trace and span ids,
 *   content digests — ids far more often than secrets; hex secrets are caught by their key, their
 *   header or their place in a path (`/reset/<token>`) instead;
 * - tokens shorter than `MIN_LENGTH` (nanoid's 21 characters, YouTube-style 11-character ids);
 * - `prefix_<id>` object ids (`cus_NffrFeUfNV2Hib`, `pi_3MtwBwLkdIwHu7ix28a3tqPa`): secrets with such a prefix
 *   (`sk_live_…`) are known formats and found before this detector runs;
 * - anything without all three of upper case, lower case and digits (slugs, words, dates, semver);
 * - base64 of printable text (`dXNlcjoxMjM0NTY3ODkw`, an encoded `user:1234567890` id): random
 *   bytes almost never decode to text, so such a token is an encoding, not a key — unless the text
 *   is a `user:password` pair (a Basic credential), which is a secret.
 */
export const MIN_LENGTH = 24;

/** Bits per character a random token of this length reaches comfortably; ordinary ids stay below. */
function threshold(length: number): number {
  return length >= 40 ? 4.2 : length >= 32 ? 4.0 : 3.7;
}

const TOKEN_CHARS = /^[A-Za-z0-9+/_=-]+$/;
const OBJECT_ID = /^[a-z]{2,10}_[A-Za-z0-9]{8,32}$/;
const HEX = /^[0-9a-fA-F-]+$/;

export function isHighEntropyToken(token: string): boolean {
  const n = token.length;
  if (n < MIN_LENGTH || n > 512) return false;
  let upper = false;
  let lower = false;
  let digit = false;
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
    else if (c >= 48 && c <= 57) digit = true;
  }
  if (!(upper && lower && digit)) return false;
  if (!TOKEN_CHARS.test(token) || HEX.test(token) || OBJECT_ID.test(token)) return false;
  if (shannonEntropy(token) < threshold(n)) return false;
  const text = base64Text(token);
  return text === undefined || BASIC_CREDENTIAL.test(text);
}

const BASIC_CREDENTIAL = /^[^:\s]{1,64}:\S{1,128}$/;

/** The text a base64 token encodes, when it decodes to printable ASCII; undefined otherwise. */
function base64Text(token: string): string | undefined {
  const bytes = Buffer.from(token, token.includes('-') || token.includes('_') ? 'base64url' : 'base64');
  if (bytes.length < 12) return undefined;
  for (const b of bytes) if (b < 32 || b > 126) return undefined;
  return bytes.toString('latin1');
}

/** Shannon entropy of the characters of `text`, in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Runs of token characters in free text that could be a token (24+ characters, not a `/path`). */
const TOKEN_IN_TEXT = /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+_=-][A-Za-z0-9+/_=-]{23,}/g;

/** Replaces each high-entropy token inside `text`; returns `text` itself when none. */
export function scrubHighEntropy(text: string, replace: (token: string) => string): string {
  if (text.length < MIN_LENGTH) return text;
  TOKEN_IN_TEXT.lastIndex = 0;
  if (!TOKEN_IN_TEXT.test(text)) return text;
  TOKEN_IN_TEXT.lastIndex = 0;
  return text.replace(TOKEN_IN_TEXT, (token) => (isHighEntropyToken(token) ? replace(token) : token));
}
