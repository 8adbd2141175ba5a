import { createHmac } from 'node:crypto';
import { configError } from './errors.js';
import { CREDENTIAL_HEADERS, createSensitiveKeyMatcher, keyWords } from './sensitive-keys.js';
import { scrubSecrets } from './value-detectors.js';

/**
 * What becomes of a secret:
 * - `mask` (default): the value becomes `REDACTED` (the key, header name or field name stays);
 * - `hash`: the value becomes `hmac-sha256:<32 hex>`, an HMAC-SHA256 of the value under
 *   `hashKey` — the same secret always gives the same pseudonym, so requests can be
 *   correlated without storing the secret;
 * - `drop`: the key/value pair, field or header is left out; a secret found inside free text is cut out.
 */
export type RedactionMode = 'mask' | 'hash' | 'drop';

export interface RedactionOptions {
  /** Default `'mask'`. */
  mode?: RedactionMode;
  /** Key for `hash` mode (required there); at least 16 bytes. */
  hashKey?: string | Uint8Array;
  /** More sensitive names (query keys, JSON fields, attribute keys): a word, or a pattern tested on the whole name. */
  sensitiveKeys?: readonly (string | RegExp)[];
  /** More credential headers, masked even when captured. */
  sensitiveHeaders?: readonly string[];
  /** Run the value detectors (bearer tokens, JWTs, cards, private keys, cloud keys) on every string. Default true. */
  detectValues?: boolean;
}

export const MASK = 'REDACTED';

export interface Redactor {
  readonly mode: RedactionMode;
  /** True when a query key, JSON field or attribute key names a secret. */
  isSensitiveKey(key: string): boolean;
  /** The replacement for a whole secret value; `undefined` in drop mode. */
  replaceSecret(value: string): string | undefined;
  /** Secrets found by the detectors anywhere in `text` replaced; `text` itself when none. */
  scrubText(text: string): string;
  /** A query string (without `?`), sensitive values replaced with the key kept. */
  redactQuery(query: string): string;
  /** A URL with its query, user-info password and embedded secrets redacted. */
  redactUrl(url: string): string;
  /** Values of a captured header, or undefined when the header must be left out. */
  redactHeader(name: string, values: readonly string[]): string[] | undefined;
  /** A captured body (already cut to size and decoded), by content type. */
  redactBody(text: string, contentType: string | undefined): string;
  /** An attribute map redacted in place (LogRecord or span attributes, nested AnyValue maps). */
  redactAttributes(attributes: Record<string, unknown>): void;
  /** Any log body or attribute value; returns the same reference when nothing changed. */
  redactValue(value: unknown, key?: string): unknown;
}

const URL_KEYS = new Set(['url.full', 'url.original', 'http.url', 'http.target', 'url.query']);
/** Words that make a sensitive-looking attribute key describe, not hold, a secret (`…api_key_hash`, `….size`). */
const DESCRIPTIVE_LAST_WORDS = new Set(['hash', 'size', 'count', 'length', 'type', 'truncated', 'algorithm']);
const KEY_VALUE_IN_TEXT = /([A-Za-z][\w.-]{0,63})(["']?\s*[:=]\s*["']?)([^\s"'&,;}\]]{1,512})/g;
const JSON_FIELD =
  /"((?:[^"\\]|\\.){1,128})"(\s*:\s*)("(?:[^"\\]|\\.)*"?|-?[0-9][0-9.eE+-]*|true|false|null)/g;

export function createRedactor(options: RedactionOptions = {}): Redactor {
  const mode = options.mode ?? 'mask';
  if (mode !== 'mask' && mode !== 'hash' && mode !== 'drop') {
    throw configError('redaction.mode', mode, "'mask', 'hash' or 'drop'");
  }
  let key: Buffer | undefined;
  if (options.hashKey !== undefined) {
    key =
      typeof options.hashKey === 'string'
        ? Buffer.from(options.hashKey, 'utf8')
        : Buffer.from(options.hashKey);
    if (key.length < 16) throw configError('redaction.hashKey', `${key.length} bytes`, 'at least 16 bytes');
  }
  if (mode === 'hash' && key === undefined) {
    throw configError(
      'redaction.hashKey',
      undefined,
      "a key of at least 16 bytes when redaction.mode is 'hash'",
    );
  }
  const detect = options.detectValues ?? true;
  const isSensitiveKey = createSensitiveKeyMatcher(options.sensitiveKeys ?? []);
  const credentialHeaders = new Set([
    ...CREDENTIAL_HEADERS,
    ...(options.sensitiveHeaders ?? []).map((h) => h.toLowerCase()),
  ]);

  const replaceSecret = (value: string): string | undefined => {
    if (mode === 'mask') return MASK;
    if (mode === 'drop') return undefined;
    return pseudonym(key as Buffer, value);
  };
  const inText = (secret: string): string => replaceSecret(secret) ?? '';
  /** `name=value` / `name: value` / `"name":"value"` in free text, where `name` is a sensitive key. */
  const scrubKeyValues = (text: string): string => {
    if (text.indexOf('=') === -1 && text.indexOf(':') === -1) return text;
    KEY_VALUE_IN_TEXT.lastIndex = 0;
    return text.replace(KEY_VALUE_IN_TEXT, (match: string, name: string, sep: string, value: string) => {
      if (!isSensitiveKey(name) || value === 'REDACTED' || value.startsWith('hmac-sha256:')) return match;
      return name + sep + inText(value);
    });
  };
  const scrubText = (text: string): string => (detect ? scrubKeyValues(scrubSecrets(text, inText)) : text);

  /** One `key=value` pair: true when its value is a secret. */
  const isSecretPair = (pair: string): boolean => {
    const eq = pair.indexOf('=');
    if (eq === -1 || eq === pair.length - 1) return false;
    if (isSensitiveKey(decodeComponent(pair.slice(0, eq)))) return true;
    if (!detect) return false;
    const value = decodeComponent(pair.slice(eq + 1));
    return scrubSecrets(value, inText) !== value;
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
      if (isSecretPair(pair)) {
        out ??= start === 0 ? [] : query.slice(0, start - 1).split('&');
        const eq = pair.indexOf('=');
        const replacement = replaceSecret(decodeComponent(pair.slice(eq + 1)));
        if (replacement !== undefined) out.push(`${pair.slice(0, eq)}=${replacement}`);
      } else if (out !== undefined) {
        out.push(pair);
      }
      if (amp === -1) break;
      start = amp + 1;
    }
    return out === undefined ? query : out.join('&');
  };

  const redactUrl = (url: string): string => {
    const q = url.indexOf('?');
    const head = q === -1 ? url : url.slice(0, q);
    const hashAt = q === -1 ? -1 : url.indexOf('#', q);
    const query = q === -1 ? '' : url.slice(q + 1, hashAt === -1 ? undefined : hashAt);
    const fragment = hashAt === -1 ? '' : url.slice(hashAt);
    const cleanHead = scrubText(head);
    if (q === -1) return cleanHead;
    return `${cleanHead}?${redactQuery(query)}${fragment.length > 0 ? scrubText(fragment) : ''}`;
  };

  const redactHeader = (name: string, values: readonly string[]): string[] | undefined => {
    if (credentialHeaders.has(name.toLowerCase()) || isSensitiveKey(name)) {
      if (mode === 'drop') return undefined;
      return values.map((v) => replaceSecret(v) as string);
    }
    return values.map(scrubText);
  };

  const redactJsonText = (text: string): string =>
    scrubText(
      text.replace(JSON_FIELD, (match: string, field: string, colon: string, value: string) => {
        if (!isSensitiveKey(field) || value === 'null' || value === '""') return match;
        const raw = value.startsWith('"')
          ? value.slice(1, value.endsWith('"') && value.length > 1 ? -1 : undefined)
          : value;
        const replacement = replaceSecret(raw);
        return replacement === undefined ? `"${field}"${colon}null` : `"${field}"${colon}"${replacement}"`;
      }),
    );

  const redactBody = (text: string, contentType: string | undefined): string => {
    const type = (contentType ?? '').toLowerCase();
    if (type.includes('json')) return redactJsonText(text);
    if (type.includes('x-www-form-urlencoded')) return redactQuery(text);
    return scrubText(text);
  };

  const isSensitiveAttributeKey = (attrKey: string): boolean => {
    if (!isSensitiveKey(attrKey)) return false;
    const words = keyWords(attrKey);
    return !DESCRIPTIVE_LAST_WORDS.has(words[words.length - 1] ?? '');
  };

  const redactValue = (value: unknown, attrKey?: string): unknown => {
    if (attrKey !== undefined) {
      if (URL_KEYS.has(attrKey) && typeof value === 'string') {
        return attrKey === 'url.query' ? redactQuery(value) : redactUrl(value);
      }
      const header = headerName(attrKey);
      if (header !== undefined) {
        const values = Array.isArray(value) ? value.map(String) : [String(value)];
        const out = redactHeader(header, values);
        if (out === undefined) return undefined;
        return Array.isArray(value) ? out : out[0];
      }
      if (isSensitiveAttributeKey(attrKey) && value !== null && value !== undefined && value !== '') {
        return replaceSecret(typeof value === 'string' ? value : JSON.stringify(value));
      }
    }
    if (typeof value === 'string') return scrubText(value);
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const r = redactValue(v);
        if (r !== v) changed = true;
        return r;
      });
      return changed ? out.filter((v) => v !== undefined) : value;
    }
    if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
      const obj = value as Record<string, unknown>;
      let copy: Record<string, unknown> | undefined;
      for (const k of Object.keys(obj)) {
        const v = obj[k];
        const r = redactValue(v, k);
        if (r !== v) {
          copy ??= { ...obj };
          if (r === undefined) delete copy[k];
          else copy[k] = r;
        }
      }
      return copy ?? value;
    }
    return value;
  };

  const redactAttributes = (attributes: Record<string, unknown>): void => {
    for (const k of Object.keys(attributes)) {
      const v = attributes[k];
      const r = redactValue(v, k);
      if (r === v) continue;
      if (r === undefined) delete attributes[k];
      else attributes[k] = r;
    }
  };

  return {
    mode,
    isSensitiveKey,
    replaceSecret,
    scrubText,
    redactQuery,
    redactUrl,
    redactHeader,
    redactBody,
    redactAttributes,
    redactValue,
  };
}

/** `hmac-sha256:` and the first 128 bits of HMAC-SHA256(key, value) in hex. */
export function pseudonym(key: Uint8Array, value: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(value).digest('hex').slice(0, 32)}`;
}

function headerName(attrKey: string): string | undefined {
  if (attrKey.startsWith('http.request.header.')) return attrKey.slice(20);
  if (attrKey.startsWith('http.response.header.')) return attrKey.slice(21);
  return undefined;
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
