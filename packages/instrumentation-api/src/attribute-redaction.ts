import type { AttributeRule } from './attribute-rules.js';
import type { Replacements } from './replacements.js';
import { isReplacement } from './value-detectors.js';

/** The redactor's parts an attribute's rule sends a value to. */
export interface AttributeRedactionParts {
  ruleOf(key: string): AttributeRule;
  observe: ((key: string) => void) | undefined;
  replacements: Replacements;
  redactUrl(url: string): string;
  redactQuery(query: string): string;
  cleanPath(path: string): string;
  redactHost(authority: string): string;
  sniffBody(text: string): string;
  scrubText(text: string): string;
  redactHeader(name: string, values: readonly string[]): string[] | undefined;
}

export interface AttributeRedaction {
  redactValue(value: unknown, attrKey?: string): unknown;
  redactAttributes(attributes: Record<string, unknown>): void;
  redactedAttributes<T extends Record<string, unknown>>(attributes: T): T;
}

/** Every attribute, by the rule its key gets (see attribute-rules.ts), with the observe hook called for each key. */
export function createAttributeRedaction(parts: AttributeRedactionParts): AttributeRedaction {
  const {
    ruleOf,
    observe,
    redactUrl,
    redactQuery,
    cleanPath,
    redactHost,
    sniffBody,
    scrubText,
    redactHeader,
  } = parts;
  const { replaceSecret, replacePersonal } = parts.replacements;
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

  return { redactValue, redactAttributes, redactedAttributes };
}
