import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver } from '@otel-lifeline/receiver';
import type { Receiver } from '@otel-lifeline/receiver';
import { fixturesDir, startApp } from './support.js';

/**
 * "Every attribute of every signal passed through the redaction policy", derived from what was
 * received rather than from a list of keys: an Express app that also uses the OpenTelemetry API
 * itself (spans with events and a status message, metrics, logs, an outgoing call) runs under
 * `--import @otel-lifeline/node/register` against the project's receiver, with the
 * `lifeline:redaction:observe` channel counting every value the policy let through. Everything
 * received is then taken apart — the resource; log records' attributes and bodies; spans' names,
 * attributes, events (names and attributes), links and status messages; every data point's
 * attributes — and each (key, value) must have been let through by the policy at least as many
 * times as it arrived: a signal path that skipped the policy shows up as values that arrive more
 * often than the policy saw them (or never saw them at all).
 */

/*
 * Left out of the check, as they carry no user data: instrumentation scope names and versions (the
 * library that made the data), metric names (fixed in code) and log event names (Lifeline's own
 * fixed vocabulary; the app's logs here have none). Everything else must have passed the policy.
 */
/** Secrets and personal data the app and the requests put into every signal (signals-app.mjs). */
const APP_SECRETS = [
  'buyer1@example.com',
  '4111 1111 1111 1111',
  '4111-1111-1111-1111',
  'tok_1Zq8Xv2Lm9Pw4Rt7Yk3',
  'hunter2!Xq9',
  'sk_live_51HxQ2eKz8Lm3Nq7Rt5Yv9Wb2',
  'ops@example.com',
  'P@ssw0rd-Secret',
  'S3cretPw-9x',
  'AKIAIOSFODNN7EXAMPLE',
  'jane@example.com',
  'eyJhbGciOiJIUzI1NiJ9',
  '9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  'QmFzZTY0U2VjcmV0VG9rZW4xMjM0NTY3ODkw',
  'owner@example.com',
];
/** The access line `GET /api/items/:id 200 1.234 ms` is not re-scanned per request; it is checked to be made of its record's own attributes. */
const ACCESS_LINE = /^(\S+) (\S+) (\d+|aborted) \d+(?:\.\d+)? ms$/;

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Uint8Array;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

/** An OTLP AnyValue as the JavaScript value the SDK held. */
function plain(value: AnyValue | undefined): Value {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  if (value.kvlistValue !== undefined)
    return Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, plain(kv.value)]));
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('base64');
  return null;
}

const idOf = (key: string, value: Value) => JSON.stringify([key, value]);

/** What arrived: (signal, key, value) occurrences, counted by `idOf(key, value)`. */
class Arrived {
  readonly counts = new Map<string, { count: number; where: Set<string> }>();
  readonly signals = new Set<string>();
  add(where: string, key: string, value: Value): void {
    const id = idOf(key, value);
    const entry = this.counts.get(id) ?? { count: 0, where: new Set<string>() };
    entry.count++;
    entry.where.add(where);
    this.counts.set(id, entry);
    this.signals.add(where);
  }
  attributes(where: string, attributes: readonly KeyValue[] | undefined): void {
    for (const { key, value } of attributes ?? []) this.add(where, key, plain(value));
  }
}

let receiver: Receiver;
let work: string;
beforeAll(async () => {
  receiver = await createReceiver();
  work = await mkdtemp(join(tmpdir(), 'lifeline-coverage-'));
});
afterAll(async () => {
  await receiver.close();
  await rm(work, { recursive: true, force: true });
});

async function runApp(): Promise<Map<string, number>> {
  const observedFile = join(work, 'observed.json');
  const app = startApp(
    fixturesDir,
    ['--import', './redaction-observer.mjs', '--import', '@otel-lifeline/node/register', 'signals-app.mjs'],
    {
      OTEL_SERVICE_NAME: 'coverage',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,app.owner=owner@example.com',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      LIFELINE_QUEUE_DIR: join(work, 'queue'),
      LIFELINE_AUDIT_ROUTES: 'GET /api/items/*',
      LIFELINE_CAPTURE_REQUEST_HEADERS: 'user-agent,x-note,authorization',
      REDACTION_OBSERVED_FILE: observedFile,
    },
  );
  try {
    const base = await app.url;
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}${path}`, { headers });
      await response.text();
    };
    await get('/api/items/1?page=2&ref=AKIAIOSFODNN7EXAMPLE', {
      'user-agent': 'curl/8.5 (sk_live_51HxQ2eKz8Lm3Nq7Rt5Yv9Wb2)',
      'x-note': 'call me at jane@example.com',
      authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP',
    });
    await get('/api/items/2');
    await get('/api/proxy');
    await get('/reset/9f8e7d6c5b4a39281706f5e4d3c2b1a0');
    await get('/api/admin');
    await get('/api/fail?token=QmFzZTY0U2VjcmV0VG9rZW4xMjM0NTY3ODkw');
    const login = await fetch(`${base}/api/login`, { method: 'POST', body: '{}' });
    await login.text();
    await new Promise((resolve) => setTimeout(resolve, 700)); // a metrics export or two
    await app.stop('SIGTERM');
  } finally {
    await app.stop('SIGKILL');
  }
  const observed = new Map<string, number>();
  for (const line of (await readFile(observedFile, 'utf8')).split('\n')) {
    if (line === '') continue;
    const [key, value] = JSON.parse(line) as [string, Value];
    const id = idOf(key, value);
    observed.set(id, (observed.get(id) ?? 0) + 1);
  }
  return observed;
}

function arrived(): Arrived {
  const out = new Arrived();
  const resources = new Set<string>();
  const resource = (r: { attributes?: KeyValue[] } | undefined) => {
    const id = JSON.stringify(r?.attributes ?? []);
    if (resources.has(id)) return;
    resources.add(id);
    out.attributes('resource', r?.attributes);
  };
  const scope = (s: { name?: string; version?: string; attributes?: KeyValue[] } | undefined) =>
    out.attributes('scope', s?.attributes);

  for (const { resource: r, scope: s, record } of receiver.logRecords()) {
    resource(r);
    scope(s);
    out.attributes('log record', record.attributes);
    if (record.body === undefined) continue;
    const body = plain(record.body);
    const line = record.eventName === 'lifeline.api.access' ? ACCESS_LINE.exec(String(body)) : null;
    if (line === null) {
      out.add('log body', 'log.body', body);
      continue;
    }
    // The access line: each part is one of the record's attributes (which passed the policy above).
    const attribute = (key: string) => plain(record.attributes?.find((a) => a.key === key)?.value);
    expect([line[1], line[2], line[3]]).toEqual([
      attribute('http.request.method'),
      attribute('http.route') ?? attribute('url.path'),
      String(attribute('http.response.status_code')),
    ]);
  }
  for (const { resource: r, scope: s, span } of receiver.spans()) {
    resource(r);
    scope(s);
    out.add('span name', 'span.name', span.name ?? '');
    out.attributes('span', span.attributes);
    for (const event of span.events ?? []) {
      out.add('span event name', 'span.event.name', event.name ?? '');
      out.attributes('span event', event.attributes);
    }
    for (const link of span.links ?? []) out.attributes('span link', link.attributes);
    if (span.status?.message) out.add('span status', 'span.status.message', span.status.message);
  }
  // Metrics are cumulative: a series is sent again on every export, so each one counts once.
  const series = new Set<string>();
  for (const { resource: r, scope: s, metric } of receiver.metrics()) {
    resource(r);
    scope(s);
    out.attributes('metric metadata', metric.metadata);
    const points = [
      ...(metric.sum?.dataPoints ?? []),
      ...(metric.gauge?.dataPoints ?? []),
      ...(metric.histogram?.dataPoints ?? []),
      ...(metric.exponentialHistogram?.dataPoints ?? []),
      ...(metric.summary?.dataPoints ?? []),
    ];
    for (const point of points) {
      const id = JSON.stringify([s?.name, metric.name, point.attributes ?? []]);
      if (series.has(id)) continue;
      series.add(id);
      out.attributes('metric data point', point.attributes);
    }
  }
  return out;
}

describe('redaction coverage, derived from the data received', () => {
  it('every value of every signal that arrived was let through by the redaction policy', async () => {
    const observed = await runApp();
    const data = arrived();
    // The run covers every signal path (so the check below is about all of them).
    expect([...data.signals].sort()).toEqual(
      [
        'log body',
        'log record',
        'metric data point',
        'resource',
        'span',
        'span event',
        'span event name',
        'span name',
        'span status',
      ].sort(),
    );
    const eventNames = new Set(receiver.logRecords().map((r) => r.record.eventName));
    for (const name of [
      'lifeline.api.access',
      'http.server.request.exception',
      'lifeline.security.authn_login_fail',
      'lifeline.security.authz_fail',
      'lifeline.audit.data_access',
    ])
      expect(eventNames, name).toContain(name);
    const scopes = new Set(receiver.spans().map((s) => s.scope?.name));
    expect(scopes).toContain('@opentelemetry/instrumentation-http');
    expect(scopes).toContain('signals-app');

    const unchecked: string[] = [];
    for (const [id, { count, where }] of data.counts) {
      const seen = observed.get(id) ?? 0;
      if (seen < count)
        unchecked.push(`${id} in ${[...where].join(', ')}: arrived ${count}×, passed the policy ${seen}×`);
    }
    expect(unchecked).toEqual([]);
    expect(data.counts.size).toBeGreaterThan(100);

    // And what passed the policy holds none of the app's secrets or personal data.
    const everything = JSON.stringify(receiver.received);
    expect(APP_SECRETS.filter((secret) => everything.includes(secret))).toEqual([]);
  }, 60_000);
});
