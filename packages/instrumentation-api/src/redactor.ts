import { createHmac } from 'node:crypto';
import { createAttributeRules } from './attribute-rules.js';
import type { AttributeRule } from './attribute-rules.js';
import { scrubHighEntropy } from './entropy.js';
import { configError } from './errors.js';
import { redactJson } from './json-redaction.js';
import { redactPath, redactSpanName } from './path-redaction.js';
import { CREDENTIAL_HEADERS, createSensitiveKeyMatcher, isPersonalKey } from './sensitive-keys.js';
import { classifyValue } from './value-classifier.js';
import { isReplacement, scrubSecrets } from './value-detectors.js';

/**
 * What becomes of a secret:
 * - `mask` (default): the value becomes `REDACTED` (the key, header name or field name stays);
 * - `hash`: the value becomes `hmac-sha256:<32 hex>`, an HMAC-SHA256 of the value under
 *   `hashKey` — the same secret always gives the same pseudonym, so requests can be
 *   correlated without storing the secret;
 * - `drop`: the key/value pair, field or header is left out; a secret found inside free text is cut out.
 */
export type RedactionMode = 'mask' | 'hash' | 'drop';

/**
 * What becomes of personal data (e-mail addresses, usernames): `mask` (`REDACTED`), `hash` (the
 * keyed pseudonym, so one consumer can be followed across requests without the address being
 * stored) or `keep`. Default `hash` when a `hashKey` is set, else `mask`.
 */
export type PersonalDataMode = 'mask' | 'hash' | 'keep';

export interface RedactionOptions {
  /** Default `'mask'`. */
  mode?: RedactionMode;
  /** Key for `hash` modes (required there); at least 16 bytes. */
  hashKey?: string | Uint8Array;
  /** Default `'hash'` with a `hashKey`, else `'mask'`. */
  personalData?: PersonalDataMode;
  /** More sensitive names (query keys, JSON fields, attribute keys): a word, or a pattern tested on the whole name. */
  sensitiveKeys?: readonly (string | RegExp)[];
  /** More credential headers, masked even when captured. */
  sensitiveHeaders?: readonly string[];
  /** Run the value detectors (formats, personal data, high entropy) on every string. Default true. */
  detectValues?: boolean;
  /** Called with each attribute key the policy looks at (an audit hook: tests use it to prove coverage). */
  observe?: (key: string) => void;
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
  /** A path, each secret segment replaced on its own (`/reset/REDACTED`). */
  redactPath(path: string): string;
  /** A URL with its user-info, path segments, query and fragment redacted. */
  redactUrl(url: string): string;
  /** A span name such as `GET /reset/<token>`. */
  redactSpanName(name: string): string;
  /** Values of a captured header, or undefined when the header must be left out. */
  redactHeader(name: string, values: readonly string[]): string[] | undefined;
  /** A captured body (already cut to size and decoded), by content type. */
  redactBody(text: string, contentType: string | undefined): string;
  /** An attribute map redacted in place (log records, spans, events, metric points, the resource). */
  redactAttributes(attributes: Record<string, unknown>): void;
  /** The attributes redacted into a copy; the same object when nothing changed (metric measurements). */
  redactedAttributes<T extends Record<string, unknown>>(attributes: T): T;
  /** Any log body or attribute value; returns the same reference when nothing changed. */
  redactValue(value: unknown, key?: string): unknown;
}

const URL_HEADERS = new Set(['referer', 'referrer', 'origin', 'location', 'content-location', 'refresh']);
const KEY_VALUE_IN_TEXT = /([A-Za-z][\w.-]{0,63})(["']?\s*[:=]\s*["']?)([^\s"'&,;(){}[\]<>]{1,512})/g;
const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate']);
const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s;

export function createRedactor(options: RedactionOptions = {}): Redactor {
  const mode = options.mode ?? 'mask';
  if (mode !== 'mask' && mode !== 'hash' && mode !== 'drop') {
    throw configError('redaction.mode', mode, "'mask', 'hash' or 'drop'");
  }
  const key = hashKeyOf(options.hashKey);
  if (mode === 'hash' && key === undefined) {
    throw configError(
      'redaction.hashKey',
      undefined,
      "a key of at least 16 bytes when redaction.mode is 'hash'",
    );
  }
  const personalMode = options.personalData ?? (key === undefined ? 'mask' : 'hash');
  if (personalMode !== 'mask' && personalMode !== 'hash' && personalMode !== 'keep') {
    throw configError('redaction.personalData', personalMode, "'mask', 'hash' or 'keep'");
  }
  if (personalMode === 'hash' && key === undefined) {
    throw configError(
      'redaction.hashKey',
      undefined,
      "a key of at least 16 bytes when redaction.personalData is 'hash'",
    );
  }
  const detect = options.detectValues ?? true;
  const observe = options.observe;
  const isSensitiveKey = createSensitiveKeyMatcher(options.sensitiveKeys ?? []);
  const ruleOf = createAttributeRules(isSensitiveKey);
  const credentialHeaders = new Set([
    ...CREDENTIAL_HEADERS,
    ...(options.sensitiveHeaders ?? []).map((h) => h.toLowerCase()),
  ]);

  const replaceSecret = (value: string): string | undefined => {
    if (mode === 'mask') return MASK;
    if (mode === 'drop') return undefined;
    return pseudonym(key as Buffer, value);
  };
  const replacePersonal = (value: string): string | undefined => {
    if (personalMode === 'keep') return value;
    if (personalMode === 'hash') return pseudonym(key as Buffer, value);
    return MASK;
  };
  const replace = (value: string, kind: 'secret' | 'personal'): string | undefined =>
    kind === 'personal' ? replacePersonal(value) : replaceSecret(value);
  /** Inside text, a dropped secret is cut out. */
  const inText = (value: string, personal = false): string =>
    (personal ? replacePersonal(value) : replaceSecret(value)) ?? '';
  /** Inside a path or URL, a dropped segment stays readable as `REDACTED`. */
  const inPath = (value: string, kind: 'secret' | 'personal'): string => replace(value, kind) ?? MASK;

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
  const scrubText = (text: string): string =>
    detect ? scrubHighEntropy(scrubKeyValues(scrubSecrets(text, inText)), (t) => inText(t)) : text;

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

  const cleanPath = (path: string): string => (detect ? redactPath(path, inPath) : path);

  const redactUrl = (url: string): string => {
    const parts = URL_PARTS.exec(url);
    if (parts === null) return scrubText(url);
    const [, scheme = '', authority = '', path = '', query, fragment] = parts;
    let host = authority;
    if (scheme !== '' || authority.includes('@')) host = redactHost(authority);
    else if (authority !== '') return scrubText(url); // not a URL after all: free text
    const cleanQuery = query === undefined ? '' : `?${redactQuery(query.slice(1))}`;
    const cleanFragment = fragment === undefined ? '' : scrubText(fragment);
    return `${scheme}${host}${cleanPath(path)}${cleanQuery}${cleanFragment}`;
  };

  /** `user:pw@host:port` → `REDACTED:REDACTED@host:port`, as the semantic conventions ask for `url.full`. */
  const redactHost = (authority: string): string => {
    const at = authority.lastIndexOf('@');
    if (at === -1) return authority;
    const userinfo = authority.slice(0, at);
    return `${userinfo.includes(':') ? `${MASK}:${MASK}` : MASK}@${authority.slice(at + 1)}`;
  };

  const redactHeader = (name: string, values: readonly string[]): string[] | undefined => {
    const lower = name.toLowerCase();
    if (credentialHeaders.has(lower) || isSensitiveKey(lower)) {
      if (mode === 'drop') return undefined;
      return values.map((v) => replaceSecret(v) as string);
    }
    if (isPersonalKey(lower)) return values.map((v) => replacePersonal(v) ?? MASK);
    if (URL_HEADERS.has(lower)) return values.map(redactUrl);
    if (lower === 'host') return values.map((v) => scrubText(redactHost(v)));
    return values.map(scrubText);
  };

  const jsonPolicy = {
    fieldClass: (field: string) =>
      isSensitiveKey(field) ? ('secret' as const) : isPersonalKey(field) ? ('personal' as const) : undefined,
    replace,
    scrubText,
  };
  const redactBody = (text: string, contentType: string | undefined): string => {
    const type = (contentType ?? '').toLowerCase();
    if (type.includes('json')) return redactJson(text, jsonPolicy);
    if (type.includes('x-www-form-urlencoded')) return redactQuery(text);
    return sniffBody(text);
  };
  /** A body attribute whose content type is no longer known: JSON and forms recognised by shape. */
  const sniffBody = (text: string): string => {
    const first = text.trimStart().charCodeAt(0);
    if (first === 123 || first === 91) return redactJson(text, jsonPolicy);
    if (/^[^\s=&]+=[^\s]*$/.test(text)) return redactQuery(text);
    return scrubText(text);
  };

  const redactString = (rule: AttributeRule, value: string): string | undefined => {
    switch (rule.kind) {
      case 'skip':
        return value;
      case 'url':
        return redactUrl(value);
      case 'query':
        return redactQuery(value);
      case 'path':
        return cleanPath(value);
      case 'host':
        return scrubText(redactHost(value));
      case 'body':
        return sniffBody(value);
      case 'secret':
        return value === '' || isReplacement(value) ? value : replaceSecret(value);
      case 'personal':
        return value === '' || isReplacement(value) ? value : replacePersonal(value);
      case 'header':
        return redactHeader(rule.header, [value])?.[0];
      default:
        return scrubText(value);
    }
  };

  const redactValue = (value: unknown, attrKey?: string): unknown => {
    const rule: AttributeRule = attrKey === undefined ? { kind: 'text' } : ruleOf(attrKey);
    if (typeof value === 'string') return redactString(rule, value);
    if (value === null || value === undefined || typeof value !== 'object' || value instanceof Uint8Array) {
      if (rule.kind === 'secret' && (typeof value === 'number' || typeof value === 'bigint')) {
        return replaceSecret(String(value));
      }
      return value;
    }
    if (Array.isArray(value)) {
      if (rule.kind === 'header') return redactHeader(rule.header, value.map(String));
      let changed = false;
      const out = value.map((v) => {
        const r = typeof v === 'string' ? redactString(rule, v) : redactValue(v);
        if (r !== v) changed = true;
        return r;
      });
      return changed ? out.filter((v) => v !== undefined) : value;
    }
    if (rule.kind === 'secret') return replaceSecret(JSON.stringify(value));
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
  };

  const redactAttributes = (attributes: Record<string, unknown>): void => {
    for (const k in attributes) {
      if (observe !== undefined) observe(k);
      const v = attributes[k];
      if (typeof v === 'number' || typeof v === 'boolean') continue;
      const r = redactValue(v, k);
      if (r === v) continue;
      if (r === undefined) delete attributes[k];
      else attributes[k] = r;
    }
  };

  const redactedAttributes = <T extends Record<string, unknown>>(attributes: T): T => {
    let copy: Record<string, unknown> | undefined;
    for (const k in attributes) {
      if (observe !== undefined) observe(k);
      const v = attributes[k];
      if (typeof v === 'number' || typeof v === 'boolean') continue;
      const r = redactValue(v, k);
      if (r === v) continue;
      copy ??= { ...attributes };
      if (r === undefined) delete copy[k];
      else copy[k] = r;
    }
    return (copy ?? attributes) as T;
  };

  return {
    mode,
    isSensitiveKey,
    redactedAttributes,
    replaceSecret,
    scrubText,
    redactQuery,
    redactPath: cleanPath,
    redactUrl,
    redactSpanName: (name) => (detect ? redactSpanName(name, inPath) : name),
    redactHeader,
    redactBody,
    redactAttributes,
    redactValue,
  };
}

function hashKeyOf(hashKey: string | Uint8Array | undefined): Buffer | undefined {
  if (hashKey === undefined) return undefined;
  const key = typeof hashKey === 'string' ? Buffer.from(hashKey, 'utf8') : Buffer.from(hashKey);
  if (key.length < 16) throw configError('redaction.hashKey', `${key.length} bytes`, 'at least 16 bytes');
  return key;
}

/** `hmac-sha256:` and the first 128 bits of HMAC-SHA256(key, value) in hex. */
export function pseudonym(key: Uint8Array, value: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(value).digest('hex').slice(0, 32)}`;
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
