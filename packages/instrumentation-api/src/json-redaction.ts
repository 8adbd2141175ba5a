/**
 * Redacts JSON text token by token, so the result has the same keys, nesting and punctuation
 * as the input and stays valid JSON whenever the input was: only string and number values are
 * replaced, always by a JSON string (`"REDACTED"`) or `null`.
 *
 *   {"card":{"number":"4111…","exp":"12/30"},"token_type":"Bearer","note":"mail me at a@b.example"}
 *   {"card":{"number":"REDACTED","exp":"REDACTED"},"token_type":"Bearer","note":"mail me at REDACTED"}
 *
 * A value under a sensitive field is replaced whole, and so is every value nested under it;
 * other string values are decoded, searched with the text detectors and re-encoded when something
 * was found. It scans instead of parsing because captured bodies are cut at a size cap: a cut
 * document is redacted the same way up to where it stops.
 */
import { isReplacement } from './value-detectors.js';

export type FieldClass = 'secret' | 'personal' | undefined;

export interface JsonRedaction {
  /** How a field name classifies the values under it. */
  fieldClass(name: string): FieldClass;
  /** A whole value's replacement; undefined to drop it (written as `null`). */
  replace(value: string, kind: 'secret' | 'personal'): string | undefined;
  /** Secrets inside a free-text string value replaced; the same string when none. */
  scrubText(text: string): string;
}

interface Frame {
  object: boolean;
  /** The class inherited from the field that holds this container. */
  inherited: FieldClass;
  key: string | undefined;
  expectKey: boolean;
}

export function redactJson(text: string, policy: JsonRedaction): string {
  const stack: Frame[] = [];
  let out: string | undefined;
  let copied = 0;
  const put = (from: number, to: number, replacement: string): void => {
    out = (out ?? '') + text.slice(copied, from) + replacement;
    copied = to;
  };
  const valueClass = (): FieldClass => {
    const top = stack[stack.length - 1];
    if (top === undefined) return undefined;
    if (top.object && top.key !== undefined) return policy.fieldClass(top.key) ?? top.inherited;
    return top.inherited;
  };
  const encode = (value: string | undefined): string =>
    value === undefined ? 'null' : JSON.stringify(value);
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) {
      stack.push({ object: c === 123, inherited: valueClass(), key: undefined, expectKey: c === 123 });
      i++;
    } else if (c === 125 || c === 93) {
      stack.pop();
      i++;
    } else if (c === 58) {
      const top = stack[stack.length - 1];
      if (top !== undefined) top.expectKey = false;
      i++;
    } else if (c === 44) {
      const top = stack[stack.length - 1];
      if (top?.object === true) {
        top.expectKey = true;
        top.key = undefined;
      }
      i++;
    } else if (c === 34) {
      const end = stringEnd(text, i + 1);
      const closed = end < text.length;
      const raw = text.slice(i + 1, closed ? end : text.length);
      const next = closed ? end + 1 : text.length;
      const top = stack[stack.length - 1];
      if (top?.object === true && top.expectKey) {
        top.key = decodeString(raw);
      } else {
        const value = decodeString(raw);
        const kind = valueClass();
        if (kind !== undefined && value.length > 0 && !isReplacement(value)) {
          put(i, next, encode(policy.replace(value, kind)));
        } else if (kind === undefined) {
          const clean = policy.scrubText(value);
          if (clean !== value)
            put(i, next, closed ? JSON.stringify(clean) : JSON.stringify(clean).slice(0, -1));
        }
      }
      i = next;
    } else if (c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
      let end = i + 1;
      while (end < text.length && !isDelimiter(text.charCodeAt(end))) end++;
      const token = text.slice(i, end);
      const kind = valueClass();
      if (kind !== undefined && token !== 'null' && token !== 'true' && token !== 'false') {
        put(i, end, encode(policy.replace(token, kind)));
      }
      i = end;
    } else {
      i++;
    }
  }
  return out === undefined ? text : out + text.slice(copied);
}

/** Index of the closing quote of a string whose content starts at `from`; `text.length` when cut. */
function stringEnd(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j;
  }
  return text.length;
}

function decodeString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function isDelimiter(c: number): boolean {
  return c === 44 || c === 125 || c === 93 || c === 32 || c === 10 || c === 13 || c === 9 || c === 58;
}
