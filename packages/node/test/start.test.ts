import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReceiver } from '@otel-lifeline/receiver';
import { start } from '@otel-lifeline/node';

const work = mkdtempSync(join(tmpdir(), 'lifeline-start-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('start', () => {
  it('wires code options over the environment and delivers access events, spans and metrics; shutdown sends the rest', async () => {
    const receiver = await createReceiver();
    const lines: string[] = [];
    const lifeline = start({
      env: { OTEL_SERVICE_NAME: 'from-env', LIFELINE_QUEUE_DIR: join(work, 'ignored') },
      config: {
        endpoints: { primary: { url: receiver.url } },
        queue: { directory: join(work, 'queue') },
        signals: { metrics: { runtime: true } },
      },
      handleSignals: false,
      write: (line) => lines.push(line),
    });
    expect(lifeline.enabled, lines.join('\n')).toBe(true);
    expect(lifeline.config.serviceName).toBe('from-env');
    expect(lifeline.config.queue.directory).toBe(join(work, 'queue'));
    expect(lines.join('\n')).toMatch(
      /\[lifeline\] started: service from-env; metrics, logs, traces → primary http:\/\/127\.0\.0\.1:\d+ \(failover\)/,
    );
    // The banner names where the configuration came from: code options here, over the environment.
    expect(lines.join('\n')).toMatch(/configuration from code options and the environment$/m);

    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await (await fetch(`http://127.0.0.1:${port}/hello?rid=1`)).text();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    await lifeline.forceFlush();
    await lifeline.shutdown();
    try {
      // The receiver runs in this process, so its own requests are instrumented too: keep /hello.
      const access = receiver
        .logRecords()
        .filter(
          (r) =>
            r.record.eventName === 'lifeline.api.access' &&
            r.record.attributes?.some((a) => a.key === 'url.path' && a.value?.stringValue === '/hello'),
        );
      expect(access).toHaveLength(1);
      expect(
        access[0]?.resource?.attributes?.find((a) => a.key === 'telemetry.distro.name')?.value?.stringValue,
      ).toBe('@otel-lifeline/node');
      expect(receiver.spans().some((s) => s.span.kind === 2)).toBe(true);
      const metricNames = new Set(
        receiver.received.metrics.flatMap((m) =>
          m.resourceMetrics.flatMap((rm) =>
            rm.scopeMetrics.flatMap((sm) => sm.metrics.map((x) => x.name ?? '')),
          ),
        ),
      );
      expect(metricNames).toContain('process.cpu.time');
      expect(metricNames).toContain('http.server.request.duration');
      expect(
        [...metricNames].filter((n) => n.startsWith('v8js.') || n.startsWith('nodejs.')),
        [...metricNames].join(),
      ).not.toHaveLength(0);
      // Our export requests are not traced: no client span points at the receiver.
      expect(receiver.spans().filter((s) => s.span.kind === 3)).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});
