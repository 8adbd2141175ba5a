import { createAttributeRules } from './attribute-rules.js';
import { createAttributeRedaction } from './attribute-redaction.js';
import { redactJson } from './json-redaction.js';
import { redactPath, redactSpanName } from './path-redaction.js';
import { MASK, createReplacements } from './replacements.js';
import type { PersonalDataMode, RedactionMode } from './replacements.js';
import { CREDENTIAL_HEADERS, createSensitiveKeyMatcher, isPersonalKey } from './sensitive-keys.js';
import { createQueryRedaction } from './query-redaction.js';
import { createTextScrubber } from './text-scrubber.js';

export { MASK, pseudonym } from './replacements.js';
export type { PersonalDataMode, RedactionMode } from './replacements.js';

/**
 * What becomes of a secret:
 * - `mask` (default): the value becomes `REDACTED` (the key, header name or field name stays);
 * - `hash`: the value becomes `hmac-sha256:<32 hex>`, an HMAC-SHA256 of the value under
 *   `hashKey` — the same secret always gives the same pseudonym, so requests can be
 *   correlated without storing the secret;
 * - `drop`: the key/value pair, field or header is left out; a secret found inside free text is cut out.
 */

/**
 * What becomes of personal data (e-mail addresses, usernames): `mask` (`REDACTED`), `hash` (the
 * keyed pseudonym, so one consumer can be followed across requests without the address being
 * stored) or `keep`. Default `hash` when a `hashKey` is set, else `mask`.
 */

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
const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s;

export function createRedactor(options: RedactionOptions = {}): Redactor {
  const replacements = createReplacements(options);
  const { mode, replaceSecret, replacePersonal, replace, inPath } = replacements;
  const detect = options.detectValues ?? true;
  const observe = options.observe;
  const isSensitiveKey = createSensitiveKeyMatcher(options.sensitiveKeys ?? []);
  const ruleOf = createAttributeRules(isSensitiveKey);
  const credentialHeaders = new Set([
    ...CREDENTIAL_HEADERS,
    ...(options.sensitiveHeaders ?? []).map((h) => h.toLowerCase()),
  ]);

  const { scrubText, remembered } = createTextScrubber(detect, isSensitiveKey, replacements);

  const redactQuery = createQueryRedaction(isSensitiveKey, detect, replace);

  const cleanPath = remembered((path: string): string => (detect ? redactPath(path, inPath) : path));

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

  const { redactValue, redactAttributes, redactedAttributes } = createAttributeRedaction({
    ruleOf,
    observe,
    replacements,
    redactUrl,
    redactQuery,
    cleanPath,
    redactHost,
    sniffBody,
    scrubText,
    redactHeader,
  });

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
