import { mightHoldSecret } from './secret-prefilter.js';

/**
 * Value detectors: find secrets inside any string, whatever key or header they came under.
 *
 * Each detector is a global regular expression; `group` names the capture group that is the
 * secret (0 = the whole match), so `Bearer <token>` keeps the word `Bearer` and
 * `postgres://app:<pw>@db` keeps the user and host. `valid` rejects look-alikes (a 16-digit
 * order number that fails the Luhn check is not a card number). `personal` marks personal data
 * (e-mail addresses), which the redactor treats by its personal-data policy instead of as a secret.
 *
 * The formats are the well-known prefixes also used by gitleaks and secretlint (AWS `AKIA…`,
 * GitHub `ghp_…`, Stripe `sk_live_…`, Slack `xoxb-…`, …), written as one small list of
 * JavaScript regular expressions: those rule sets are built to scan files (secretlint's API is
 * asynchronous; gitleaks' ~200 Go regular expressions, several with inline `(?i)` groups JavaScript
 * cannot compile) and would cost far more per request than the budget of a fraction of a microsecond.
 */
export interface ValueDetector {
  readonly name: string;
  readonly pattern: RegExp;
  readonly group: number;
  readonly valid?: (secret: string) => boolean;
  readonly personal?: boolean;
}

/** Service tokens by their documented prefixes (cloud, VCS, payment, chat, package registries, AI APIs). */
const SERVICE_TOKEN = new RegExp(
  [
    'gh[pousr]_[A-Za-z0-9]{36,}', // GitHub
    'github_pat_[A-Za-z0-9_]{22,}',
    'glpat-[A-Za-z0-9_-]{20,}', // GitLab
    'gl(?:dt|rt|ptt|ft|imt|agent|cbt|soat|oas)-[A-Za-z0-9_-]{20,}',
    'ATBB[A-Za-z0-9_=.-]{24,}', // Bitbucket app password
    'xox[abposr]-[A-Za-z0-9-]{10,}', // Slack
    'xapp-\\d-[A-Za-z0-9-]{20,}',
    '[rs]k_(?:live|test)_[A-Za-z0-9]{16,}', // Stripe secret and restricted keys
    'whsec_[A-Za-z0-9]{24,}', // Stripe webhook secret
    'sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}', // Square
    'access_token\\$production\\$[a-z0-9]{16}\\$[a-f0-9]{32}', // Braintree / PayPal
    'sk-(?:proj-|ant-(?:api|admin)\\d\\d-)?[A-Za-z0-9_-]{20,}', // OpenAI, Anthropic
    'npm_[A-Za-z0-9]{36}', // npm
    'pypi-AgE[A-Za-z0-9_-]{50,}', // PyPI
    'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}', // SendGrid
    'SK[0-9a-f]{32}', // Twilio API key
    'key-[0-9a-f]{32}', // Mailgun
    'dop_v1_[a-f0-9]{64}', // DigitalOcean
    'shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}', // Shopify
    'hv[sb]\\.[A-Za-z0-9_-]{24,}', // HashiCorp Vault
    'dp\\.pt\\.[A-Za-z0-9]{40,}', // Doppler
    'AIza[0-9A-Za-z_-]{35}', // Google API key
    'ya29\\.[0-9A-Za-z_-]{20,}', // Google OAuth access token
    'GOCSPX-[A-Za-z0-9_-]{28}', // Google OAuth client secret
    '[MN][A-Za-z\\d]{23,25}\\.[\\w-]{6}\\.[\\w-]{27,38}', // Discord bot token
    '\\d{8,10}:AA[A-Za-z0-9_-]{33}', // Telegram bot token
  ].join('|'),
  'g',
);

export const VALUE_DETECTORS: readonly ValueDetector[] = [
  {
    // PEM private keys, complete or cut off by a size cap (then up to the end of the text).
    name: 'private_key',
    pattern:
      /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    group: 0,
  },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, group: 0 },
  {
    name: 'bearer',
    pattern: /\b(?:Bearer|Basic|Token|Digest)\s+([A-Za-z0-9\-._~+/]{8,}=*)/gi,
    group: 1,
    // `Basic authentication` is prose; a credential mixes case, digits or symbols.
    valid: (s) => /[0-9+/=._~-]/.test(s) || (/[a-z]/.test(s) && /[A-Z]/.test(s)),
  },
  { name: 'service_token', pattern: SERVICE_TOKEN, group: 0 },
  {
    name: 'aws_access_key',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g,
    group: 0,
  },
  {
    // `aws_secret_access_key = …` and the like, in configuration text and messages.
    name: 'aws_secret_key',
    pattern:
      /\b(?:aws_?secret_?(?:access_?)?key|SecretAccessKey)["']?\s*[:=]?\s*["']?([A-Za-z0-9/+]{40})\b/gi,
    group: 1,
  },
  {
    name: 'azure_key',
    pattern: /\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\s"'&]+)/gi,
    group: 1,
  },
  { name: 'azure_client_secret', pattern: /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}/g, group: 0 },
  {
    // Passwords in URL user-info, also with an empty user (`redis://:pw@cache`).
    name: 'url_password',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]*:([^@\s/]+)@/gi,
    group: 1,
  },
  {
    // Card numbers by issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay), Luhn-checked.
    name: 'card_number',
    pattern: /\b(?:4|5[1-5]|2[2-7]|3[0478]|35|6[025])\d(?:[ -]?\d){10,16}\b/g,
    group: 0,
    valid: luhnValid,
  },
  {
    // US Social Security numbers in their written form (never area 000, 666 or 9xx; group 00; serial 0000).
    name: 'us_ssn',
    pattern: /\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b/g,
    group: 0,
  },
  {
    // UK National Insurance numbers.
    name: 'uk_nino',
    pattern: /\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g,
    group: 0,
  },
  {
    // IBANs, checked with their mod-97 checksum.
    name: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    group: 0,
    valid: ibanValid,
  },
  {
    // `password=…`, `"token": "…"`, `api_key: …` in free text and in JSON cut short by a size cap;
    // the value stops before brackets, so `(… token=x)` keeps its `)`.
    name: 'key_value',
    pattern:
      /\b(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|auth[_-]?token|access[_-]?token|refresh[_-]?token|session[_-]?id|private[_-]?key)\b["']?\s*[:=]\s*["']?(?!Bearer\b|Basic\b)([^\s"'&,;(){}[\]<>]+)/gi,
    group: 1,
  },
  {
    // "… with password Tr0ub4dor&3": prose, so only a word that is not plain letters is taken.
    name: 'password_in_prose',
    pattern:
      /\b(?:password|passwd|passphrase|pwd)\s+(?:is\s+|was\s+|of\s+)?["']?([^\s"'()]*[^A-Za-z\s"'()][^\s"'()]*)/gi,
    group: 1,
    valid: (s) => s.length >= 6 && s !== 'REDACTED' && !s.startsWith('hmac-sha256:'),
  },
  {
    name: 'email',
    pattern:
      /(?<![\w.%+:/-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}\b/g,
    group: 0,
    personal: true,
  },
];

/**
 * Replaces every detected secret in `text` by `replace(secret, personal)`; returns `text` itself
 * when nothing was found, so callers can compare by identity.
 */
export function scrubSecrets(text: string, replace: (secret: string, personal: boolean) => string): string {
  if (!mightHoldSecret(text)) return text;
  let out = text;
  for (const d of VALUE_DETECTORS) {
    d.pattern.lastIndex = 0;
    if (!d.pattern.test(out)) continue;
    d.pattern.lastIndex = 0;
    const personal = d.personal === true;
    out = out.replace(d.pattern, (match: string, ...groups: unknown[]) => {
      const secret = d.group === 0 ? match : (groups[d.group - 1] as string | undefined);
      if (secret === undefined || secret.length === 0 || isReplacement(secret)) return match;
      if (d.valid !== undefined && !d.valid(secret)) return match;
      if (d.group === 0) return replace(secret, personal);
      const at = match.lastIndexOf(secret);
      return match.slice(0, at) + replace(secret, personal) + match.slice(at + secret.length);
    });
  }
  return out;
}

/** What a redactor writes in place of a secret: found again, it is left alone. */
export function isReplacement(text: string): boolean {
  return text === 'REDACTED' || text.startsWith('hmac-sha256:');
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

/** ISO 13616 check: the country and check digits moved to the end, letters as numbers, mod 97 = 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    const n = c >= 65 ? c - 55 : c - 48;
    rest = (n > 9 ? rest * 100 + n : rest * 10 + n) % 97;
  }
  return rest === 1;
}
