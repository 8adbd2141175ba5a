import { createHmac } from 'node:crypto';
import { configError } from './errors.js';

/** Replacement text for a whole secret value. */
export const MASK = 'REDACTED';

export type RedactionMode = 'mask' | 'hash' | 'drop';
export type PersonalDataMode = 'mask' | 'hash' | 'keep';

/** How secrets and personal data are replaced, checked once from the options. */
export interface Replacements {
  readonly mode: RedactionMode;
  /** The replacement for a whole secret; undefined in drop mode. */
  replaceSecret(value: string): string | undefined;
  replacePersonal(value: string): string | undefined;
  replace(value: string, kind: 'secret' | 'personal'): string | undefined;
  /** Inside text: a dropped secret is cut out. */
  inText(value: string, personal?: boolean): string;
  /** Inside a path or URL: a dropped segment stays readable as `REDACTED`. */
  inPath(value: string, kind: 'secret' | 'personal'): string;
}

export function createReplacements(options: {
  mode?: RedactionMode;
  hashKey?: string | Uint8Array;
  personalData?: PersonalDataMode;
}): Replacements {
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

  return { mode, replaceSecret, replacePersonal, replace, inText, inPath };
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
