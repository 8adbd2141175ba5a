import { COMPRESSIONS, type Compression } from '@otel-lifeline/exporter';
import { zstdMissing } from '@otel-lifeline/otlp';

/**
 * Parsers for configuration scalars. Each returns the parsed value or an `expected` text naming
 * what a valid value looks like; the caller turns that into a ConfigProblem with the key.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const SIZE_EXPECTED = 'expected a size such as 256MiB, 512MB, 1GiB or a number of bytes';

/** `256MiB`, `1.5GB`, `1048576`. Units are case-insensitive; KiB/MiB/GiB are binary, KB/MB/GB decimal. */
export function parseSize(value: unknown): Parsed<number> {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0
      ? { ok: true, value }
      : { ok: false, expected: SIZE_EXPECTED };
  }
  if (typeof value !== 'string') return { ok: false, expected: SIZE_EXPECTED };
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!match) return { ok: false, expected: SIZE_EXPECTED };
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : SIZE_UNITS[unit];
  if (factor === undefined) return { ok: false, expected: `${SIZE_EXPECTED} (unknown unit "${match[2]}")` };
  const bytes = Math.floor(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return { ok: false, expected: SIZE_EXPECTED };
  return { ok: true, value: bytes };
}

export const MAX_TIMER_MS = 2 ** 31 - 1;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `100ms`, `30s`, `5m`, `48h`, `2d`, `1h30m`. A bare integer is accepted only where OpenTelemetry
 * defines the value in milliseconds (`bareMilliseconds`), e.g. OTEL_EXPORTER_OTLP_TIMEOUT=10000.
 */
export function parseDuration(
  value: unknown,
  options: { bareMilliseconds?: boolean; allowZero?: boolean; maxMs?: number } = {},
): Parsed<number> {
  const expected = options.bareMilliseconds
    ? 'expected a duration such as 500ms, 10s, 5m or a number of milliseconds'
    : 'expected a duration with a unit, such as 100ms, 30s, 5m, 48h or 2d';
  // A Node.js timer cannot wait longer than 2^31-1 ms: a longer one fires at once, every time.
  const maxMs = options.maxMs ?? MAX_TIMER_MS;
  const check = (ms: number): Parsed<number> => {
    if (!(Number.isFinite(ms) && (ms > 0 || (options.allowZero === true && ms === 0))))
      return { ok: false, expected };
    if (Math.round(ms) > maxMs) {
      return {
        ok: false,
        expected:
          maxMs === MAX_TIMER_MS
            ? `expected at most 24d (${MAX_TIMER_MS} ms, the longest a Node.js timer can wait)`
            : `expected at most ${Math.floor(maxMs / 86_400_000)}d`,
      };
    }
    return { ok: true, value: Math.round(ms) };
  };
  if (typeof value === 'number')
    return options.bareMilliseconds && Number.isInteger(value) ? check(value) : { ok: false, expected };
  if (typeof value !== 'string') return { ok: false, expected };
  const text = value.trim();
  if (/^\d+$/.test(text)) return options.bareMilliseconds ? check(Number(text)) : { ok: false, expected };
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(text); m; m = part.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? Number.NaN);
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) return { ok: false, expected };
  return check(total);
}

const BOOLEAN_EXPECTED = 'expected true or false';

/** The OTel rule for env: only a case-insensitive "true" is true; anything but true/false is an error here. */
export function parseBoolean(value: unknown): Parsed<boolean> {
  if (typeof value === 'boolean') return { ok: true, value };
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return { ok: true, value: true };
    if (text === 'false') return { ok: true, value: false };
  }
  return { ok: false, expected: BOOLEAN_EXPECTED };
}

export function parseRatio(value: unknown): Parsed<number> {
  const expected = 'expected a number from 0 to 1, such as 0.25';
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(number) && number >= 0 && number <= 1
    ? { ok: true, value: number }
    : { ok: false, expected };
}

export function parseEnum<T extends string>(value: unknown, allowed: readonly T[]): Parsed<T> {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const found = allowed.find((a) => a === text);
  return found !== undefined
    ? { ok: true, value: found }
    : { ok: false, expected: `expected one of ${allowed.join(', ')}` };
}

/**
 * An endpoint's compression; zstd only where node:zlib has it (Node 22.15 and later). 'auto' (the
 * default): gzip, and zstd once the endpoint has taken a zstd request; gzip alone where node:zlib
 * has no zstd.
 */
export function parseCompression(value: unknown): Parsed<Compression> {
  const parsed = parseEnum(value, COMPRESSIONS);
  if (parsed.ok && parsed.value === 'zstd' && zstdMissing !== undefined)
    return { ok: false, expected: `expected auto, gzip or none: ${zstdMissing}` };
  return parsed;
}

/** An http(s) URL with a host. */
export function parseHttpUrl(value: unknown): Parsed<URL> {
  const expected = 'expected an http:// or https:// URL such as http://127.0.0.1:4318';
  if (typeof value !== 'string') return { ok: false, expected };
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { ok: false, expected };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '')
    return { ok: false, expected };
  if (url.search !== '' || url.hash !== '')
    return { ok: false, expected: `${expected}, without a query or fragment` };
  return { ok: true, value: url };
}

/**
 * `k1=v1,k2=v2` (W3C baggage style, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES):
 * values are percent-decoded; an entry without `=` or with an empty key is an error.
 */
export function parseKeyValueList(value: unknown): Parsed<Record<string, string>> {
  const expected = 'expected a comma-separated list of key=value pairs, such as api-key=secret,tenant=a';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        return { ok: false, expected: 'expected a map of names to strings' };
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(String(v))) {
        return {
          ok: false,
          expected: `expected header values without control characters (CR, LF, ...) in "${k}"`,
        };
      }
      out[k] = String(v);
    }
    return { ok: true, value: out };
  }
  if (typeof value !== 'string') return { ok: false, expected };
  const out: Record<string, string> = {};
  for (const entry of value.split(',')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) return { ok: false, expected };
    const key = entry.slice(0, eq).trim();
    if (key === '') return { ok: false, expected };
    let decoded: string;
    try {
      decoded = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      return { ok: false, expected: `${expected} (bad percent-encoding)` };
    }
    // CR, LF or another control character in a header value: every request would fail.
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(decoded)) {
      return {
        ok: false,
        expected: `expected header values without control characters (CR, LF, ...) in "${key}"`,
      };
    }
    out[key] = decoded;
  }
  return { ok: true, value: out };
}

/** A comma-separated list (env) or a YAML sequence of strings. */
export function parseStringList(value: unknown): Parsed<string[]> {
  if (Array.isArray(value)) {
    return value.every((v) => typeof v === 'string')
      ? { ok: true, value: value.map((v: string) => v.trim()).filter((v) => v !== '') }
      : { ok: false, expected: 'expected a list of strings' };
  }
  if (typeof value === 'string')
    return {
      ok: true,
      value: value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    };
  return { ok: false, expected: 'expected a comma-separated list or a list of strings' };
}

/** A 32-byte AES-256 key as 64 hex characters or base64 (standard or URL-safe). */
export function parseKey32(value: unknown): Parsed<Uint8Array> {
  const expected = 'expected a 32-byte key as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)';
  if (typeof value !== 'string') return { ok: false, expected };
  const text = value.trim();
  let bytes: Buffer;
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 && text.length !== 44)
    bytes = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text))
    bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  else return { ok: false, expected };
  if (bytes.length !== 32)
    return { ok: false, expected: `${expected}; this one decodes to ${bytes.length} bytes` };
  return { ok: true, value: new Uint8Array(bytes) };
}
