import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorConfigDir, resolveCollectorBinary } from './support/collector-binary.js';
import { createCollector, killAllCollectors, type Collector } from './support/collector-process.js';
import { freePort } from './support/free-port.js';
import { within } from './support/waiting.js';

/**
 * insights.yaml on the built Collector, fed by a real API with Lifeline (`start()` in code, its
 * primary endpoint dead so it fails over to the Collector): events are routed by class to two
 * files, counts derived from them and the app's own metrics are scraped from the `prometheus`
 * exporter, and every metric and label name the Prometheus rules use is checked against that
 * scrape.
 */
const binary = resolveCollectorBinary();
const repoDir = join(collectorConfigDir, '..');
const apiFixture = join(repoDir, 'packages/node/test/fixtures/insights-api.mjs');
const rulesFile = join(repoDir, 'monitoring/prometheus/lifeline-rules.yaml');
const dashboardFile = join(repoDir, 'monitoring/grafana/lifeline-api-dashboard.json');
const lifelineDist = join(repoDir, 'packages/node/dist/index.js');

/** Names the rules use that this run cannot produce (nothing is dropped or retried here). */
const NOT_PRODUCED_HERE = [
  'lifeline_queue_dropped_total',
  'lifeline_drop_reason',
  'lifeline_export_retries_total',
];

/** Event names in an OTLP-JSON lines file written by the `file` exporter. */
function eventNames(file: string): string[] {
  if (!existsSync(file)) return [];
  const names: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as {
      resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ eventName?: string }> }> }>;
    };
    for (const r of request.resourceLogs)
      for (const s of r.scopeLogs) for (const l of s.logRecords) names.push(l.eventName ?? '');
  }
  return names;
}

/** Sum of every sample of `name` in a Prometheus text exposition. */
function sampleSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (match?.[1] === name) sum += Number(match[3]);
  }
  return sum;
}

/**
 * Scrapes `url` every 50 ms until `done` holds for the exposition (20 s at most); resolves
 * with the last text scraped.
 */
async function scrapeUntil(url: string, done: (text: string) => boolean): Promise<string> {
  let text = '';
  await within(20_000, () => {
    void fetch(url)
      .then((r) => r.text())
      .then(
        (t) => (text = t),
        () => undefined,
      );
    return done(text);
  });
  return text;
}

describe.skipIf(binary.skipReason !== undefined || !existsSync(lifelineDist))(
  `insights.yaml: counts from events, routing by event class, the names the rules use${
    binary.skipReason ? ` (skipped: ${binary.skipReason})` : ''
  }`,
  () => {
    let dir: string;
    let collector: Collector;
    let api: ChildProcess | undefined;
    let scrapeUrl: string;
    const files = { access: '', securityAudit: '' };
    let sent = 0;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lifeline-insights-collector-'));
      files.access = join(dir, 'access.jsonl');
      files.securityAudit = join(dir, 'security-audit.jsonl');
      const promPort = await freePort();
      scrapeUrl = `http://127.0.0.1:${promPort}/metrics`;
      collector = await createCollector({
        binary: binary.path!,
        config: join(collectorConfigDir, 'insights.yaml'),
        env: {
          LIFELINE_COLLECTOR_PROMETHEUS_ENDPOINT: `127.0.0.1:${promPort}`,
          LIFELINE_COLLECTOR_ACCESS_FILE: files.access,
          LIFELINE_COLLECTOR_SECURITY_AUDIT_FILE: files.securityAudit,
        },
      });
      await collector.start();

      const deadPrimary = `http://127.0.0.1:${await freePort()}`;
      const child = spawn(process.execPath, [apiFixture], {
        env: {
          ...process.env,
          OTEL_SERVICE_NAME: 'insights-api',
          OTEL_EXPORTER_OTLP_ENDPOINT: deadPrimary,
          LIFELINE_SECONDARY_ENDPOINT: collector.otlpUrl,
          OTEL_METRIC_EXPORT_INTERVAL: '500',
          LIFELINE_QUEUE_DIR: join(dir, 'queue'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      api = child;
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      await within(15_000, () => /listening on/.test(output));
      const apiUrl = /listening on (http:\S+)/.exec(output)?.[1];
      if (apiUrl === undefined) throw new Error(`the API did not start:\n${output}`);
      // How many times each request is sent, one after the other; /items as the consumer ana.
      const ana = { 'x-user': 'ana', 'x-api-key': 'key-ana', 'x-tenant': 'acme' };
      const traffic: Record<string, number> = {
        'GET /items': 8,
        'GET /missing': 2,
        'GET /fail': 3,
        'POST /login': 4,
        'GET /admin': 2,
        'GET /limited': 3,
        'GET /records/1': 2,
        'DELETE /records/2': 1,
      };
      for (const [request, times] of Object.entries(traffic)) {
        const [method, path = ''] = request.split(' ');
        const headers = path === '/items' ? ana : undefined;
        for (let i = 0; i < times; i++, sent++)
          await (await fetch(apiUrl + path, { method, headers })).text();
      }
    }, 60_000);

    afterAll(async () => {
      api?.kill('SIGKILL');
      await killAllCollectors();
      rmSync(dir, { recursive: true, force: true });
    });

    it('routes security and audit events to their own pipeline, everything else to the access one', async () => {
      await within(
        20_000,
        () => eventNames(files.access).filter((n) => n === 'lifeline.api.access').length === sent,
      );
      await within(5_000, () => eventNames(files.securityAudit).length >= 13);
      const access = eventNames(files.access);
      const securityAudit = eventNames(files.securityAudit);
      expect(access.filter((n) => n === 'lifeline.api.access')).toHaveLength(25);
      expect(access.every((n) => !/^lifeline\.(security|audit)\./.test(n))).toBe(true);
      const count = (name: string) => securityAudit.filter((n) => n === name).length;
      expect({
        authn: count('lifeline.security.authn_login_fail'),
        authz: count('lifeline.security.authz_fail'),
        rateLimit: count('lifeline.security.excess_rate_limit_exceeded'),
        bruteForce: count('lifeline.security.authn_login_fail_max'),
        audit: count('lifeline.audit.data_access'),
        other: securityAudit.filter((n) => !/^lifeline\.(security|audit)\./.test(n)).length,
      }).toEqual({ authn: 4, authz: 2, rateLimit: 3, bruteForce: 1, audit: 3, other: 0 });
    });

    it('keeps security and audit events longer than access events', () => {
      const config = parse(readFileSync(join(collectorConfigDir, 'insights.yaml'), 'utf8')) as {
        exporters: Record<string, { rotation: { max_days: string } }>;
      };
      const days = (id: string) => Number(/:-(\d+)\}$/.exec(config.exporters[id]!.rotation.max_days)?.[1]);
      expect(days('file/security_audit')).toBeGreaterThan(days('file/access'));
    });

    it('derives request, error, security and audit counts from the events', async () => {
      const text = await scrapeUntil(
        scrapeUrl,
        (t) =>
          sampleSum(t, 'lifeline_events_requests_total') === sent &&
          sampleSum(t, 'lifeline_events_audit_total') === 3,
      );
      expect({
        requests: sampleSum(text, 'lifeline_events_requests_total'),
        serverErrors: sampleSum(text, 'lifeline_events_server_errors_total'),
        authn: sampleSum(text, 'lifeline_events_authn_failures_total'),
        authz: sampleSum(text, 'lifeline_events_authz_failures_total'),
        rateLimited: sampleSum(text, 'lifeline_events_rate_limited_total'),
        bruteForce: sampleSum(text, 'lifeline_events_brute_force_total'),
        audit: sampleSum(text, 'lifeline_events_audit_total'),
      }).toEqual({
        requests: 25,
        serverErrors: 3,
        authn: 4,
        authz: 2,
        rateLimited: 3,
        bruteForce: 1,
        audit: 3,
      });
      expect(text).toMatch(/lifeline_events_requests_total\{[^}]*http_response_status_code="500"[^}]*\} 3/);
      expect(text).toMatch(/lifeline_events_consumer_requests_total\{[^}]*user_id="ana"[^}]*\} 8/);
      expect(text).not.toContain('key-ana');
    });

    it('exposes every metric and label name the Prometheus rules and the Grafana dashboard use', async () => {
      const wanted = [
        'http_server_request_duration_seconds_bucket',
        'lifeline_failover_switches_total',
        'lifeline_endpoint_state',
      ];
      const text = await scrapeUntil(scrapeUrl, (t) => wanted.every((name) => t.includes(name)));
      const used = new Set<string>();
      for (const file of [rulesFile, dashboardFile]) {
        // Names of series and labels, not of recording rules (those contain colons).
        const names = readFileSync(file, 'utf8').match(
          /(?<![\w:])(?:http|lifeline|otel|url|user)_[a-z0-9_]+(?![\w:])/g,
        );
        expect(names?.length, file).toBeGreaterThan(10);
        for (const name of names ?? []) used.add(name);
      }
      const missing = [...used].filter((name) => !NOT_PRODUCED_HERE.includes(name) && !text.includes(name));
      expect(missing, `names in the rules that the Collector does not expose:\n${text}`).toEqual([]);
    });
  },
);
