import { isHighEntropyToken, MIN_LENGTH } from './entropy.js';
import { mightHoldSecret } from './secret-prefilter.js';
import { classifyValue } from './value-classifier.js';
import type { ValueClass } from './value-classifier.js';

/**
 * Path redaction that keeps the path readable: each secret segment is replaced on its own,
 * `/reset/4f9c…` → `/reset/REDACTED`, `/users/alice@example.com/orders` →
 * `/users/REDACTED/orders`.
 *
 * A segment is a secret when the detectors find one in it (decoded), or when it follows a segment
 * that announces a one-time credential (`reset`, `magic`, `verify`, `invite`, `unsubscribe`,
 * `webhooks`, …) — whatever its format, since such tokens are often plain hex. There the first
 * segment after the word that is not a number is taken (Discord-style `/webhooks/<id>/<token>`).
 * A segment after `users`, `profiles`, `members`, … is a username (personal data) unless it is a
 * number, a hex or UUID id, a template parameter or `me`/`self`/`current`/`new`. Template
 * parameters (`:id`, `{id}`, `*`) are never touched, so `http.route` passes unchanged.
 */
const SECRET_CONTEXT = new Set([
  'reset',
  'reset-password',
  'password-reset',
  'reset_password',
  'resetpassword',
  'magic',
  'magic-link',
  'magiclink',
  'login-link',
  'verify',
  'verify-email',
  'verification',
  'confirm',
  'confirmation',
  'activate',
  'activation',
  'invite',
  'invites',
  'invitation',
  'unsubscribe',
  'webhook',
  'webhooks',
  'hooks',
  'token',
  'tokens',
  'secret',
  'secrets',
  'apikey',
  'api-key',
  'api-keys',
  'share',
  'otp',
  'sso',
  'callback-token',
]);

const PERSON_CONTEXT = new Set([
  'users',
  'user',
  'u',
  'profile',
  'profiles',
  'people',
  'members',
  'member',
  'accounts',
  'account',
  'customers',
  'customer',
  'authors',
  'author',
]);
const NOT_A_NAME = new Set(['me', 'self', 'current', 'new', 'search', 'list', 'all', 'count']);

export function redactPath(
  path: string,
  replace: (segment: string, kind: 'secret' | 'personal') => string,
): string {
  if (path.length < 6) return path;
  // One prefilter pass over the whole path: a segment can only hold what the detectors look for
  // if the path does (the prefilter's state starts afresh at each `/`), so the common path
  // (`/api/orders/100037`) has its segments checked for their place and length only.
  const suspicious = path.includes('%') || mightHoldSecret(path);
  let out: string | undefined;
  let copied = 0;
  let context: 'secret' | 'personal' | undefined;
  let start = path.charCodeAt(0) === 47 ? 1 : 0;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    if (end > start) {
      const segment = path.slice(start, end);
      const found = classifySegment(segment, context, suspicious);
      if (found !== undefined) {
        out = (out ?? '') + path.slice(copied, start) + replace(decodeSegment(segment), found);
        copied = end;
        context = undefined;
      } else if (context === 'secret' && !/^\d+$/.test(segment)) {
        context = undefined;
      } else if (context !== 'secret') {
        context = contextOf(segment);
      }
    }
    start = end + 1;
  }
  return out === undefined ? path : out + path.slice(copied);
}

/** The context words, by what follows them; looked up once per segment. */
const CONTEXT = new Map<string, 'secret' | 'personal'>([
  ...[...SECRET_CONTEXT].map((w) => [w, 'secret'] as const),
  ...[...PERSON_CONTEXT].map((w) => [w, 'personal'] as const),
]);

function contextOf(segment: string): 'secret' | 'personal' | undefined {
  const first = segment.charCodeAt(0);
  if (segment.length > 16 || (first >= 48 && first <= 57)) return undefined; // ids, not words
  return CONTEXT.get(segment) ?? (hasCapital(segment) ? CONTEXT.get(segment.toLowerCase()) : undefined);
}

function hasCapital(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** A number, a hex or UUID id (8+ characters) or a template parameter: not a username. */
function isIdLike(segment: string): boolean {
  const first = segment.charCodeAt(0);
  if (first === 58 || first === 123 || first === 42) return true;
  let digitsOnly = true;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    digitsOnly = false;
    if (!(c === 45 || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return digitsOnly || segment.length >= 8;
}

function classifySegment(
  segment: string,
  context: 'secret' | 'personal' | undefined,
  suspicious: boolean,
): ValueClass {
  const first = segment.charCodeAt(0);
  if (first === 58 || first === 123 || first === 42) return undefined; // :id, {id}, *
  if (context === 'secret' && !/^\d+$/.test(segment)) return 'secret';
  if (first === 64 && segment.length > 1 && !segment.includes('.', 1)) return 'personal'; // /@alice
  if (suspicious) {
    const found = classifyValue(segment.length >= 6 ? decodeSegment(segment) : segment);
    if (found !== undefined) return found;
  } else if (segment.length >= MIN_LENGTH && isHighEntropyToken(segment)) return 'secret';
  if (context === 'personal' && !isIdLike(segment) && !NOT_A_NAME.has(segment.toLowerCase()))
    return 'personal';
  return undefined;
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `GET /reset/abc…` → `GET /reset/REDACTED`: a span name made of a method and a path. */
export function redactSpanName(
  name: string,
  replace: (segment: string, kind: 'secret' | 'personal') => string,
): string {
  const space = name.indexOf(' ');
  if (space === -1) return name.charCodeAt(0) === 47 ? redactPath(name, replace) : name;
  const rest = name.slice(space + 1);
  if (rest.charCodeAt(0) !== 47) return name;
  const clean = redactPath(rest, replace);
  return clean === rest ? name : `${name.slice(0, space + 1)}${clean}`;
}
