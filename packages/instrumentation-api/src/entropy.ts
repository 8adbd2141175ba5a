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
 *   bytes almost never decode to text, so such a token is an encoding, not a key. (A Basic
 *   credential is base64 text too: it is found by its `Basic` scheme or its header instead.)
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
  return !isBase64Text(token);
}

/** Whether a base64 token decodes to printable ASCII (an encoded id, not random bytes). */
function isBase64Text(token: string): boolean {
  const bytes = Buffer.from(token, token.includes('-') || token.includes('_') ? 'base64url' : 'base64');
  if (bytes.length < 12) return false;
  for (const b of bytes) if (b < 32 || b > 126) return false;
  return true;
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

/** Runs of token characters in free text that could be a token (24+ characters). */
const TOKEN_IN_TEXT = /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{24,}/g;

/** Replaces each high-entropy token inside `text`; returns `text` itself when none. */
export function scrubHighEntropy(text: string, replace: (token: string) => string): string {
  if (text.length < MIN_LENGTH) return text;
  TOKEN_IN_TEXT.lastIndex = 0;
  if (!TOKEN_IN_TEXT.test(text)) return text;
  TOKEN_IN_TEXT.lastIndex = 0;
  return text.replace(TOKEN_IN_TEXT, (token) => {
    if (!isPathLike(token)) return isHighEntropyToken(token) ? replace(token) : token;
    // A path in text (`GET /api/v2/Customers/Orders2024`): its segments are tested one by one.
    return token.replace(/[^/]+/g, (part) => (isHighEntropyToken(part) ? replace(part) : part));
  });
}

/** Three or more slashes and no `+` or `=`: a path, not a base64 key (which has a slash or two at most, usually). */
function isPathLike(token: string): boolean {
  let slashes = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 47) slashes++;
    else if (c === 43 || c === 61) return false;
  }
  return slashes >= 3;
}
