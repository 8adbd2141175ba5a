/// <reference lib="dom" />
// The page-side callbacks below run in the browser.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lifelineBin, startNode, stop, type Started } from '../child-process.js';

/**
 * The live view in a real headless Chromium (the machine's, driven by playwright-core): an API
 * with Lifeline sends to `lifeline insights`; the page's numbers must equal what the receiver
 * wrote to its `--out` file, counted here independently. Saves a screenshot.
 */
const chromium = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
if (!haveChromium && process.env.CI !== 'true') {
  console.warn(
    `insights browser test skipped: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_BIN)`,
  );
}
export const SCREENSHOT = join(tmpdir(), 'lifeline-insights.png');
const fixture = fileURLToPath(new URL('../fixtures/insights-api.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'lifeline-insights-'));
const children: Started[] = [];
afterAll(async () => {
  for (const started of children) await stop(started.child, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

interface Line {
  signal: string;
  eventName?: string;
  metric?: string;
  attributes?: Record<string, unknown>;
}

const readLines = (file: string): Line[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Line)
    : [];

async function until<T>(what: string, read: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the page must show, counted from the receiver's own JSON lines. */
function expectedFrom(lines: Line[]) {
  const events = (name: string) => lines.filter((l) => l.eventName === name);
  const access = events('lifeline.api.access');
  const status = (l: Line) => Number(l.attributes?.['http.response.status_code']);
  const byRoute = new Map<string, number>();
  for (const l of access) {
    const key = `${String(l.attributes?.['http.request.method'])} ${String(l.attributes?.['url.path'])}`;
    byRoute.set(key, (byRoute.get(key) ?? 0) + 1);
  }
  return {
    requests: access.length,
    serverErrors: access.filter((l) => status(l) >= 500).length,
    clientErrors: access.filter((l) => status(l) >= 400 && status(l) < 500).length,
    authn: events('lifeline.security.authn_login_fail').length,
    authz: events('lifeline.security.authz_fail').length,
    rateLimit: events('lifeline.security.excess_rate_limit_exceeded').length,
    bruteForce: events('lifeline.security.authn_login_fail_max').length,
    audit: events('lifeline.audit.data_access'),
    byRoute,
  };
}

describe.skipIf(!haveChromium && process.env.CI !== 'true')('lifeline insights in a browser', () => {
  it('shows the traffic, errors, security events, audit trail and queues the receiver got', async () => {
    const out = join(work, 'received.jsonl');
    const insights = startNode([lifelineBin, 'insights', '--port', '0', '--ui-port', '0', '--out', out]);
    children.push(insights);
    const receiverUrl = await insights.url;
    const pageUrl = await until(
      'the insights URL',
      () => /insights on (http:\S+)/.exec(insights.output())?.[1],
    );

    const api = startNode([fixture], {
      env: {
        OTEL_SERVICE_NAME: 'insights-api',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
        OTEL_METRIC_EXPORT_INTERVAL: '500',
        LIFELINE_QUEUE_DIR: join(work, 'queue'),
      },
    });
    children.push(api);
    const apiUrl = await api.url;
    const plan: Array<[string, string, number, Record<string, string>?]> = [
      ['GET', '/items', 6, { 'x-user': 'ana', 'x-api-key': 'key-ana', 'x-tenant': 'acme' }],
      ['GET', '/items', 2, { 'x-user': 'bo', 'x-api-key': 'key-bo', 'x-tenant': 'globex' }],
      ['GET', '/missing', 2],
      ['GET', '/fail', 3, { 'x-user': 'bo' }],
      ['POST', '/login', 4],
      ['GET', '/admin', 2, { 'x-user': 'bo' }],
      ['GET', '/limited', 3, { 'x-user': 'ana' }],
      ['GET', '/records/1', 2, { 'x-user': 'ana', 'x-tenant': 'acme' }],
      ['DELETE', '/records/2', 1, { 'x-user': 'bo', 'x-tenant': 'globex' }],
    ];
    let sent = 0;
    for (const [method, path, times, headers] of plan) {
      for (let i = 0; i < times; i++, sent++) await (await fetch(apiUrl + path, { method, headers })).text();
    }

    // Every access event and a round of Lifeline's own metrics have reached the receiver.
    const lines = await until('the events and self-metrics at the receiver', () => {
      const all = readLines(out);
      const access = all.filter((l) => l.eventName === 'lifeline.api.access').length;
      return access === sent && all.some((l) => l.metric === 'lifeline.queue.records') ? all : undefined;
    });
    const expected = expectedFrom(lines);
    // The receiver got what the API was sent (so the comparison below is about something).
    expect(expected).toMatchObject({ requests: 25, serverErrors: 3, clientErrors: 11, authn: 4, authz: 2 });
    expect([expected.rateLimit, expected.bruteForce, expected.audit.length]).toEqual([3, 1, 3]);

    const { chromium: playwright } = await import('playwright-core');
    const context = await playwright.launchPersistentContext(join(work, 'chromium-profile'), {
      executablePath: chromium,
      headless: true,
      viewport: { width: 1400, height: 1500 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(pageUrl);
      const text = (selector: string) => page.locator(selector).innerText();
      await page.waitForFunction(
        (n) => document.getElementById('total-requests')?.textContent === String(n),
        expected.requests,
        { timeout: 15_000 },
      );
      for (const panel of ['totals', 'traffic', 'security', 'routes', 'consumers', 'audit', 'lifeline'])
        await expect(page.locator(`[data-panel="${panel}"]`).isVisible()).resolves.toBe(true);

      expect(await text('#total-server-errors')).toBe(String(expected.serverErrors));
      expect(await text('#total-client-errors')).toBe(String(expected.clientErrors));
      for (const kind of ['authn', 'authz', 'rateLimit', 'bruteForce'] as const)
        expect(await text(`#total-${kind}`), kind).toBe(String(expected[kind]));
      expect(await text('#total-audit')).toBe(String(expected.audit.length));

      // Routes table: requests per route, busiest first.
      const rows = await page
        .locator('#routes-body tr')
        .evaluateAll((trs) =>
          trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent ?? '')),
        );
      expect(new Map(rows.map((r) => [r[0], Number(r[1])]))).toEqual(expected.byRoute);
      expect(rows[0]![0]).toBe('GET /items');
      expect(rows.every((r) => Number(r[5]) >= 0 && Number(r[6]) >= Number(r[5]))).toBe(true); // p95 ≥ p50

      // Consumers: users by requests; API keys only as hashes.
      const users = await page
        .locator('#consumers-users li')
        .evaluateAll((lis) =>
          lis.map((li) => [(li as HTMLElement).dataset.key, Number((li as HTMLElement).dataset.requests)]),
        );
      expect(users).toEqual([
        ['ana', 11],
        ['bo', 8],
      ]);
      const keys = await text('#consumers-apiKeys');
      expect(keys).not.toContain('key-ana');
      expect(await page.locator('#consumers-apiKeys li').count()).toBe(2);
      expect(await text('#consumers-tenants')).toMatch(/acme — 8[\s\S]*globex — 3/);

      // Audit trail, filterable.
      expect(await page.locator('#audit-body tr').count()).toBe(expected.audit.length);
      await page.locator('#audit-filter').fill('delete');
      expect(await page.locator('#audit-body tr').count()).toBe(1);
      expect(await text('#audit-body')).toMatch(/bo\s+globex\s+delete\s+\/records\/2\s+success/);
      await page.locator('#audit-filter').fill('');

      // Lifeline's own state: the logs queue of this service, its endpoint available.
      await page.waitForFunction(() => document.querySelectorAll('#queues-body tr').length > 0);
      expect(await text('#queues-body')).toContain('insights-api');
      expect(await text('#endpoints-body')).toMatch(/available/);

      // Both charts were drawn by Chart.js with the series of the last 5 minutes.
      const charted = await page.evaluate(() => {
        const chart = (id: string) =>
          (
            window as unknown as {
              Chart: {
                getChart(c: Element | null): { data: { datasets: { data: number[] }[] } } | undefined;
              };
            }
          ).Chart.getChart(document.getElementById(id));
        const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
        return {
          requests: sum(chart('chart-traffic')?.data.datasets[0]?.data ?? []),
          serverErrors: sum(chart('chart-traffic')?.data.datasets[1]?.data ?? []),
          security: (chart('chart-security')?.data.datasets ?? []).map((d) => sum(d.data)),
        };
      });
      expect(charted).toEqual({
        requests: expected.requests,
        serverErrors: expected.serverErrors,
        security: [expected.authn, expected.authz, expected.rateLimit, expected.bruteForce],
      });

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`insights screenshot: ${SCREENSHOT}`);
    } finally {
      await context.close();
    }
  }, 90_000);
});
