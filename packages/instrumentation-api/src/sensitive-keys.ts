import { cachedByKey } from './cached-by-key.js';

/**
 * Which names (query keys, JSON fields, header names) hold secrets.
 *
 * A key is split into lowercase words on `-`, `_`, `.`, spaces and camelCase humps
 * (`apiKey` → api, key; `X-Amz-Security-Token` → x, amz, security, token). It is sensitive
 * when it is one of the semantic-convention sensitive query parameters (matched exactly, as
 * the convention says) or when one of its words is in `SENSITIVE_WORDS`, or it ends in `code`
 * not preceded by a word from `HARMLESS_CODE_PREFIXES` (`status_code` is a status, `code` and
 * `auth_code` are OAuth codes).
 */

/** Semantic conventions, `url.query` redaction list (case-sensitive, key kept). */
export const SEMCONV_SENSITIVE_QUERY_KEYS: readonly string[] = [
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

const SENSITIVE_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'secrets',
  'token',
  'key',
  'apikey',
  'auth',
  'authorization',
  'authentication',
  'bearer',
  'jwt',
  'credential',
  'credentials',
  'session',
  'sessionid',
  'sid',
  'cookie',
  'cookies',
  'csrf',
  'xsrf',
  'signature',
  'sig',
  'otp',
  'totp',
  'pin',
  'cvv',
  'cvc',
  'ssn',
  'iban',
  'pan',
  'private',
  'privatekey',
  'accesskey',
  'secretkey',
  'clientsecret',
  'refreshtoken',
  'accesstoken',
  'card',
  'cardnumber',
  'creditcard',
]);

const HARMLESS_CODE_PREFIXES = new Set([
  'status',
  'error',
  'err',
  'http',
  'response',
  'result',
  'return',
  'exit',
  'country',
  'currency',
  'language',
  'lang',
  'locale',
  'zip',
  'postal',
  'post',
  'area',
  'region',
  'product',
]);

/** Last words that make a sensitive-looking key describe, not hold, a secret (`token_type`, `api_key_hash`, `password.size`). */
const DESCRIPTIVE_LAST_WORDS = new Set([
  'hash',
  'size',
  'count',
  'length',
  'type',
  'truncated',
  'algorithm',
  'alg',
  'present',
  'required',
  'expires',
  'expiry',
  'policy',
]);

/** Last words (or the whole key) that name personal data: `email`, `user_email`, `user.name`, `login`. */
const PERSONAL_WORDS = new Set([
  'email',
  'mail',
  'username',
  'login',
  'phone',
  'msisdn',
  'fullname',
  'nickname',
]);

const WORD_SPLIT = /[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/;

/** Lowercase words of a key, e.g. `clientSecret` → ['client', 'secret']. */
export function keyWords(key: string): string[] {
  const words = key.split(WORD_SPLIT);
  const out: string[] = [];
  for (const w of words) if (w.length > 0) out.push(w.toLowerCase());
  return out;
}

export interface SensitiveKeyMatcher {
  (key: string): boolean;
}

/** Builds a matcher with a bounded cache (`cachedByKey`). */
export function createSensitiveKeyMatcher(extra: readonly (string | RegExp)[] = []): SensitiveKeyMatcher {
  const exact = new Set(SEMCONV_SENSITIVE_QUERY_KEYS);
  const extraWords = new Set<string>();
  const extraPatterns: RegExp[] = [];
  for (const e of extra) {
    if (typeof e === 'string') extraWords.add(e.toLowerCase());
    else extraPatterns.push(e);
  }
  const classify = (key: string): boolean => {
    if (exact.has(key) || extraWords.has(key.toLowerCase())) return true;
    for (const p of extraPatterns) if (p.test(key)) return true;
    const words = keyWords(key);
    if (words.length > 1 && DESCRIPTIVE_LAST_WORDS.has(words[words.length - 1] as string)) return false;
    if (words.length > 1 && SENSITIVE_WORDS.has(words.join(''))) return true;
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      if (SENSITIVE_WORDS.has(w) || extraWords.has(w)) return true;
      if (w === 'code' && i === words.length - 1) {
        const before = words[i - 1];
        if (before === undefined || !HARMLESS_CODE_PREFIXES.has(before)) return true;
      }
    }
    return false;
  };
  return cachedByKey(classify, 2048);
}

/** Whether a key names personal data (its last word, or all its words joined: `user.name` → username). */
export const isPersonalKey: (key: string) => boolean = cachedByKey(classifyPersonalKey, 2048);

function classifyPersonalKey(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  return PERSONAL_WORDS.has(last) || (words.length > 1 && PERSONAL_WORDS.has(words.join('')));
}

/** Headers that carry credentials: masked even when listed for capture. */
export const CREDENTIAL_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
  'x-goog-api-key',
  'ocp-apim-subscription-key',
  'x-functions-key',
];
