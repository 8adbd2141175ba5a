import { createHmac } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createAttributeRules } from './attribute-rules.js';
import type { AttributeRule } from './attribute-rules.js';
import { configError } from './errors.js';
import { redactSpanName } from './path-redaction.js';
import { cachedByKey } from './cached-by-key.js';
import { CREDENTIAL_HEADERS, createSensitiveKeyMatcher } from './sensitive-keys.js';
import { isReplacement } from './value-detectors.js';
import { createTextRedaction, MASK } from './text-redaction.js';
import type { RedactionMode, RedactionPolicy, TextRedaction } from './text-redaction.js';

export type { RedactionMode } from './text-redaction.js';

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
  /**
   * Called with each value the policy let through, after redaction: attribute values under their
   * key, and span names, span event names, span status messages and log bodies under the
   * `RedactedField` names. An audit hook (tests use it to prove coverage); the same calls are
   * published on the `lifeline:redaction:observe` diagnostics channel as `{ key, value }`.
   */
  observe?: RedactionObserver;
}

export type RedactionObserver = (key: string, value: unknown) => void;

/** The fields that are not attributes, by the names `observe` reports them under. */
export type RedactedField = 'span.name' | 'span.event.name' | 'span.status.message' | 'log.body';

/** Every value the policy lets through, for audits: `{ key, value }` (see `RedactionOptions.observe`). */
export const REDACTION_OBSERVE_CHANNEL = 'lifeline:redaction:observe';
const observeChannel = diagnosticsChannel.channel(REDACTION_OBSERVE_CHANNEL);
const publishObserved: RedactionObserver = (key, value) => observeChannel.publish({ key, value });

export { MASK } from './text-redaction.js';

export interface Redactor {
  /** The options this redactor was built from: two redactors built from one object apply one policy. */
  readonly options: RedactionOptions;
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
  /** A span name such as `GET /reset/<token>`: the text detectors, then the path rules. */
  redactSpanName(name: string): string;
  /** A field that is not an attribute (a span event name, a status message, a log body), as free text. */
  redactField(field: RedactedField, value: unknown): unknown;
  /** Values of a captured header, or undefined when the header must be left out. */
  redactHeader(name: string, values: readonly string[]): string[] | undefined;
  /** A captured body (already cut to size and decoded), by content type. */
  redactBody(text: string, contentType: string | undefined): string;
  /**
   * An attribute map redacted in place (log records, spans, events, metric points, the resource).
   * Values identical to the same key's in `passed`, a map that already passed this policy, are
   * let through as they are.
   */
  redactAttributes(attributes: Record<string, unknown>, passed?: Record<string, unknown>): void;
  /** The attributes redacted into a copy; the same object when nothing changed (metric measurements). */
  redactedAttributes<T extends Record<string, unknown>>(attributes: T): T;
  /** Any log body or attribute value; returns the same reference when nothing changed. */
  redactValue(value: unknown, key?: string): unknown;
  /**
   * True while an audit observer is active (`observe`, or a subscriber of the observe channel).
   * Values that already passed the policy once are passed again only then, so that the observer
   * sees every value that leaves, as often as it leaves.
   */
  observed(): boolean;
}

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
  const option = options.observe;
  /** The observer for this call: the option, the channel when it has subscribers, or none (the common case). */
  const observe = (): RedactionObserver | undefined =>
    option ?? (observeChannel.hasSubscribers ? publishObserved : undefined);
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

  const policy: RedactionPolicy = {
    mode,
    detect,
    observe,
    isSensitiveKey,
    ruleOf,
    credentialHeaders,
    replaceSecret,
    replacePersonal,
    replace,
    inText,
    inPath,
  };
  const text = createTextRedaction(policy);
  const { redactValue, redactAttributes, redactedAttributes } = createValueRedaction(policy, text);
  const { scrubText, redactQuery, cleanPath, redactUrl, redactHeader, redactBody } = text;
  // Span names are few (`GET /users/:id` per route), and every span's name passes the policy.
  const cleanSpanName = cachedByKey((name: string) => redactSpanName(scrubText(name), inPath), 1024);

  return {
    options,
    mode,
    isSensitiveKey,
    redactedAttributes,
    replaceSecret,
    scrubText,
    redactQuery,
    redactPath: cleanPath,
    redactUrl,
    redactSpanName: (name) => {
      const clean = detect ? cleanSpanName(name) : name;
      observe()?.('span.name', clean);
      return clean;
    },
    redactField: (field, value) => {
      const clean = redactValue(value);
      if (clean !== undefined) observe()?.(field, clean);
      return clean;
    },
    redactHeader,
    redactBody,
    redactAttributes,
    redactValue,
    observed: () => observe() !== undefined,
  };
}

/** Attribute values by the rule of their key, recursively, copying only what changes. */
function createValueRedaction(policy: RedactionPolicy, text: TextRedaction) {
  const { observe, ruleOf, replaceSecret, replacePersonal } = policy;
  const { scrubText, redactQuery, cleanPath, redactUrl, redactHost, redactHeader, sniffBody } = text;
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

  /** Calls `change` for each attribute whose redacted value differs (undefined: leave it out). */
  const eachChange = (
    attributes: Record<string, unknown>,
    change: (key: string, redacted: unknown) => void,
    passed?: Record<string, unknown>,
  ): void => {
    const audit = observe();
    for (const k in attributes) {
      const v = attributes[k];
      if (typeof v === 'number' || typeof v === 'boolean' || (passed !== undefined && passed[k] === v)) {
        audit?.(k, v);
        continue;
      }
      const r = redactValue(v, k);
      if (audit !== undefined && r !== undefined) audit(k, r);
      if (r !== v) change(k, r);
    }
  };

  const redactAttributes = (attributes: Record<string, unknown>, passed?: Record<string, unknown>): void =>
    eachChange(
      attributes,
      (k, r) => {
        if (r === undefined) delete attributes[k];
        else attributes[k] = r;
      },
      passed,
    );

  const redactedAttributes = <T extends Record<string, unknown>>(attributes: T): T => {
    let copy: Record<string, unknown> | undefined;
    eachChange(attributes, (k, r) => {
      copy ??= { ...attributes };
      if (r === undefined) delete copy[k];
      else copy[k] = r;
    });
    return (copy ?? attributes) as T;
  };
  return { redactValue, redactAttributes, redactedAttributes };
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
