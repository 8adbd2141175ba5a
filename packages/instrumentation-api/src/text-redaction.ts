import type { AttributeRule } from './attribute-rules.js';
import { scrubHighEntropy } from './entropy.js';
import { redactJson } from './json-redaction.js';
import { redactPath } from './path-redaction.js';
import { createCleanMemory, scrubPathsInText } from './text-memory.js';
import { isPersonalKey } from './sensitive-keys.js';
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

/** What a masked secret or personal value becomes. */
export const MASK = 'REDACTED';

const URL_HEADERS = new Set(['referer', 'referrer', 'origin', 'location', 'content-location', 'refresh']);
const KEY_VALUE_IN_TEXT = /([A-Za-z][\w.-]{0,63})(["']?\s*[:=]\s*["']?)([^\s"'&,;(){}[\]<>]{1,512})/g;
const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate']);
const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s;

/** What the text and value layers share: the modes, the key classes and how a value is replaced. */
export interface RedactionPolicy {
  mode: RedactionMode;
  detect: boolean;
  /** The audit observer in effect now, if any (see `RedactionOptions.observe`). */
  observe: () => ((key: string, value: unknown) => void) | undefined;
  isSensitiveKey: (key: string) => boolean;
  ruleOf: (key: string) => AttributeRule;
  credentialHeaders: ReadonlySet<string>;
  replaceSecret(value: string): string | undefined;
  replacePersonal(value: string): string | undefined;
  replace(value: string, kind: 'secret' | 'personal'): string | undefined;
  /** Inside text, a dropped secret is cut out. */
  inText(value: string, personal?: boolean): string;
  /** Inside a path or URL, a dropped segment stays readable as `REDACTED`. */
  inPath(value: string, kind: 'secret' | 'personal'): string;
}

export type TextRedaction = ReturnType<typeof createTextRedaction>;

/** Strings by what they are: free text, a query, a path, a URL, a header, a body. */
export function createTextRedaction(policy: RedactionPolicy) {
  const { mode, detect, isSensitiveKey, credentialHeaders } = policy;
  const { replaceSecret, replacePersonal, replace, inText, inPath } = policy;
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
  const remembered = createCleanMemory();
  const scrubText = remembered((text: string): string =>
    detect
      ? scrubPathsInText(
          scrubHighEntropy(scrubKeyValues(scrubSecrets(text, inText)), (t) => inText(t)),
          inPath,
        )
      : text,
  );

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
  return { scrubText, redactQuery, cleanPath, redactUrl, redactHost, redactHeader, redactBody, sniffBody };
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
