/**
 * Value detectors: find secrets inside any string, whatever key or header they came under.
 *
 * Each detector is a global regular expression; `group` names the capture group that is the
 * secret (0 = the whole match), so `Bearer <token>` keeps the word `Bearer`. `valid` rejects
 * look-alikes (a 16-digit order number that fails the Luhn check is not a card number).
 */
export interface ValueDetector {
  readonly name: string;
  readonly pattern: RegExp;
  readonly group: number;
  readonly valid?: (secret: string) => boolean;
}

export const VALUE_DETECTORS: readonly ValueDetector[] = [
  {
    // PEM private keys, complete or cut off by a size cap (then up to the end of the text).
    name: 'private_key',
    pattern: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    group: 0,
  },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, group: 0 },
  {
    name: 'bearer',
    pattern: /\b(?:Bearer|Basic)\s+([A-Za-z0-9\-._~+/]{8,}=*)/gi,
    group: 1,
    // `Basic authentication` is prose; a credential mixes case, digits or symbols.
    valid: (s) => /[0-9+/=._~-]/.test(s) || (/[a-z]/.test(s) && /[A-Z]/.test(s)),
  },
  {
    // Card numbers by issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay), Luhn-checked.
    name: 'card_number',
    pattern: /\b(?:4|5[1-5]|2[2-7]|3[0478]|35|6[025])\d(?:[ -]?\d){10,16}\b/g,
    group: 0,
    valid: luhnValid,
  },
  {
    name: 'aws_access_key',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g,
    group: 0,
  },
  { name: 'gcp_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g, group: 0 },
  { name: 'gcp_oauth_token', pattern: /\bya29\.[0-9A-Za-z_-]{20,}/g, group: 0 },
  {
    name: 'azure_key',
    pattern: /\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\s"'&]+)/gi,
    group: 1,
  },
  { name: 'azure_client_secret', pattern: /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}/g, group: 0 },
  {
    name: 'service_token',
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9-]{10,}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36})/g,
    group: 0,
  },
  { name: 'url_password', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:([^@\s/]+)@/gi, group: 1 },
  {
    // `password=…`, `"token": "…"`, `api_key: …` in free text and in JSON cut short by a size cap.
    name: 'key_value',
    pattern:
      /\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|auth[_-]?token|access[_-]?token|refresh[_-]?token|session[_-]?id|private[_-]?key)\b["']?\s*[:=]\s*["']?([^\s"'&,;}]+)/gi,
    group: 1,
  },
];

/** One cheap test before running every detector: most strings hold nothing of interest. */
const PRECHECK =
  /-----BEGIN|eyJ|Bearer|Basic|\d[ -]?\d{3}|A[KSBCGIRNP][A-Z]{2}[A-Z0-9]{16}|AIza|ya29\.|Shared|AccountKey|\dQ~|gh[pousr]_|github_pat_|xox|k_live|k_test|sk-|npm_|:\/\/[^\s/@]+:|pass|pwd|secret|token|key|session/i;

export function mightHoldSecret(text: string): boolean {
  return text.length >= 8 && PRECHECK.test(text);
}

/**
 * Replaces every detected secret in `text` by `replace(secret)`; returns `text` itself when
 * nothing was found, so callers can compare by identity.
 */
export function scrubSecrets(text: string, replace: (secret: string) => string): string {
  if (!mightHoldSecret(text)) return text;
  let out = text;
  for (const d of VALUE_DETECTORS) {
    d.pattern.lastIndex = 0;
    if (!d.pattern.test(out)) continue;
    d.pattern.lastIndex = 0;
    out = out.replace(d.pattern, (match: string, ...groups: unknown[]) => {
      const secret = d.group === 0 ? match : (groups[d.group - 1] as string | undefined);
      if (secret === undefined || secret.length === 0) return match;
      if (d.valid !== undefined && !d.valid(secret)) return match;
      if (d.group === 0) return replace(secret);
      const at = match.lastIndexOf(secret);
      return match.slice(0, at) + replace(secret) + match.slice(at + secret.length);
    });
  }
  return out;
}

/** Luhn checksum over the digits of `candidate` (spaces and dashes ignored), 13 to 19 digits. */
export function luhnValid(candidate: string): boolean {
  let sum = 0;
  let digits = 0;
  let double = false;
  for (let i = candidate.length - 1; i >= 0; i--) {
    const c = candidate.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    digits++;
    double = !double;
  }
  return digits >= 13 && digits <= 19 && sum % 10 === 0;
}
