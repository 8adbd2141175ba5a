import { readFileSync } from 'node:fs';
import { splitUserinfo } from '@otel-lifeline/exporter';
import type { ConfigReader } from './config-reader.js';
import { DEFAULTS, SIGNALS } from './config-types.js';
import type { ResolvedEndpoint, Signal, SignalEndpoint } from './config-types.js';
import {
  parseBoolean,
  parseCompression,
  parseDuration,
  parseEnum,
  parseHttpUrl,
  parseKeyValueList,
} from './parse-values.js';
import type { Parsed } from './parse-values.js';

const asString = (value: unknown): Parsed<string> =>
  typeof value === 'string' && value.trim() !== ''
    ? { ok: true, value: value.trim() }
    : { ok: false, expected: 'expected a file path' };

/**
 * Builds the per-signal URLs by the OTLP exporter rules:
 *   base URL (OTEL_EXPORTER_OTLP_ENDPOINT, endpoints.X.url)  → base + "/v1/<signal>"
 *   per-signal URL (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, ...)   → used as-is ("/" added when no path)
 * The primary defaults to http://localhost:4318; the secondary exists only when configured, and
 * inherits the primary's protocol, compression and timeout (not its headers or TLS files).
 */
export function resolveEndpoints(reader: ConfigReader): ResolvedEndpoint[] {
  const endpoints: ResolvedEndpoint[] = [];
  let inherited: Pick<SignalEndpoint, 'protocol' | 'compression' | 'timeoutMs'> | undefined;
  for (const name of ['primary', 'secondary'] as const) {
    const prefix = `endpoints.${name}`;
    const baseEntry = reader.entry(`${prefix}.url`);
    const base = reader.readOptional(`${prefix}.url`, parseHttpUrl, `the ${name} endpoint is not used`);
    const baseInvalid = baseEntry !== undefined && base === undefined;
    const common = {
      headers: reader.readOptional(`${prefix}.headers`, parseKeyValueList, 'sending no extra headers') ?? {},
      protocol: reader.read(
        `${prefix}.protocol`,
        (v) => parseEnum(v, ['http/protobuf', 'http/json'] as const),
        inherited?.protocol ?? 'http/protobuf',
      ),
      compression: reader.read(`${prefix}.compression`, parseCompression, inherited?.compression ?? 'auto'),
      timeoutMs: reader.read(
        `${prefix}.timeout`,
        (v) => parseDuration(v, { bareMilliseconds: true }),
        inherited?.timeoutMs ?? DEFAULTS.timeoutMs,
        `${inherited?.timeoutMs ?? DEFAULTS.timeoutMs}ms`,
      ),
      tls: readTls(reader, prefix),
    };
    if (name === 'primary') inherited = common;
    const signals: Partial<Record<Signal, SignalEndpoint>> = {};
    for (const signal of SIGNALS) {
      const sp = `${prefix}.${signal}`;
      const ownEntry = reader.entry(`${sp}.url`);
      const own = reader.readOptional(
        `${sp}.url`,
        parseHttpUrl,
        `the ${name} endpoint is not used for ${signal}`,
      );
      let url: string | undefined;
      if (own !== undefined)
        url = own.href; // as-is; URL adds "/" when there is no path
      else if (ownEntry !== undefined) url = undefined;
      else if (base !== undefined) url = appendSignalPath(base, signal);
      else if (name === 'primary' && !baseInvalid) url = `${DEFAULTS.endpoint}/v1/${signal}`;
      if (url === undefined) continue;
      const tls = mergeTls(common.tls, readTls(reader, sp));
      const headers = {
        ...common.headers,
        ...(reader.readOptional(`${sp}.headers`, parseKeyValueList, 'using the common headers') ?? {}),
      };
      const credentials = userinfoAsHeader(
        reader,
        ownEntry !== undefined ? `${sp}.url` : `${prefix}.url`,
        url,
        headers,
      );
      signals[signal] = {
        url: credentials.url,
        headers,
        protocol: reader.read(
          `${sp}.protocol`,
          (v) => parseEnum(v, ['http/protobuf', 'http/json'] as const),
          common.protocol,
        ),
        compression: reader.read(`${sp}.compression`, parseCompression, common.compression),
        timeoutMs: reader.read(
          `${sp}.timeout`,
          (v) => parseDuration(v, { bareMilliseconds: true }),
          common.timeoutMs,
          `${common.timeoutMs}ms`,
        ),
        ...(tls ? { tls } : {}),
      };
    }
    if (SIGNALS.every((s) => signals[s] !== undefined))
      endpoints.push({ name, signals: signals as Record<Signal, SignalEndpoint> });
    else if (Object.keys(signals).length > 0) {
      // Some signals have a URL, others lost theirs to a bad value: keep what is usable.
      endpoints.push({ name, signals: signals as Record<Signal, SignalEndpoint> });
    }
  }
  return withoutDuplicates(reader, endpoints);
}

/**
 * A secondary that is the primary again (same URL for a signal) would mirror every record twice
 * to one backend, or fail over onto the endpoint that just failed: rejected, naming the key.
 */
function withoutDuplicates(reader: ConfigReader, endpoints: ResolvedEndpoint[]): ResolvedEndpoint[] {
  const [first, ...rest] = endpoints;
  if (first === undefined) return endpoints;
  const kept = [first];
  for (const e of rest) {
    const same = SIGNALS.find(
      (s) => e.signals[s] !== undefined && e.signals[s]?.url === first.signals[s]?.url,
    );
    if (same === undefined) {
      kept.push(e);
      continue;
    }
    const entry =
      reader.entry(`endpoints.${e.name}.${same}.url`) ??
      reader.entry(`endpoints.${e.name}.url`) ??
      ({ key: `endpoints.${e.name}.url`, value: e.signals[same]?.url, secret: false } as const);
    reader.report(
      entry,
      `expected a different endpoint than the primary (both send ${same} to ${e.signals[same]?.url}): mirror mode would send everything twice to one backend, fail-over would fail over onto the endpoint that failed`,
      `the ${e.name} endpoint is not used`,
    );
  }
  return kept;
}

/**
 * User-info in an endpoint URL becomes a Basic `Authorization` header and leaves the URL, so the
 * secret appears in no start-up line, log line, self-metric or dead-letter file. With an explicit
 * `Authorization` header as well, the header is used and the problem reported.
 */
function userinfoAsHeader(
  reader: ConfigReader,
  key: string,
  url: string,
  headers: Record<string, string>,
): { url: string } {
  const { url: clean, authorization } = splitUserinfo(url);
  if (authorization === undefined) return { url };
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    const entry = reader.entry(key);
    if (entry !== undefined)
      reader.report(
        entry,
        'expected user-info in the URL or an Authorization header, not both',
        'the Authorization header is used',
      );
  } else {
    headers['authorization'] = authorization;
  }
  return { url: clean };
}

export function appendSignalPath(base: URL, signal: Signal): string {
  const href = base.href.endsWith('/') ? base.href : `${base.href}/`;
  return `${href}v1/${signal}`;
}

function readTls(reader: ConfigReader, prefix: string): SignalEndpoint['tls'] {
  const tls: NonNullable<SignalEndpoint['tls']> = {};
  const files = [
    ['ca_file', 'ca'],
    ['cert_file', 'cert'],
    ['key_file', 'key'],
  ] as const;
  for (const [key, field] of files) {
    const path = reader.readOptional(`${prefix}.tls.${key}`, asString, 'TLS uses the system defaults');
    if (path === undefined) continue;
    try {
      tls[field] = readFileSync(path);
    } catch (error) {
      const entry = reader.entry(`${prefix}.tls.${key}`);
      if (entry)
        reader.report(
          entry,
          `expected a readable PEM file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
          'TLS uses the system defaults',
        );
    }
  }
  const insecure = reader.readOptional(`${prefix}.tls.insecure_skip_verify`, parseBoolean);
  if (insecure === true) tls.rejectUnauthorized = false;
  return Object.keys(tls).length > 0 ? tls : undefined;
}

function mergeTls(a: SignalEndpoint['tls'], b: SignalEndpoint['tls']): SignalEndpoint['tls'] {
  if (!a) return b;
  if (!b) return a;
  return { ...a, ...b };
}
