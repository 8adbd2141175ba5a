import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../src/http-transport.js';
import { logsFragment, pem } from './fixtures.js';

// Each row of the outcome table (DESIGN, "The transport chain"), against the receiver's fault script.
let receiver: Receiver;
beforeAll(async () => {
  receiver = await createReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const send = async (timeoutMs = 10_000) => {
  const transport = createHttpTransport({ signal: 'logs', url: `${receiver.url}/v1/logs`, timeoutMs });
  try {
    return await transport.send(logsFragment(1, 3), {});
  } finally {
    await transport.close();
  }
};

describe('outcome table, against the receiver', () => {
  it('2xx with no partial_success → ok', async () => {
    const before = receiver.counts().logRecords;
    expect(await send()).toEqual({ kind: 'ok' });
    expect(receiver.counts().logRecords).toBe(before + 3);
  });

  it('2xx with rejected > 0 → partial, with the count and message', async () => {
    receiver.addFault({ kind: 'partial', rejected: 2, errorMessage: 'two too old' });
    expect(await send()).toEqual({ kind: 'partial', rejected: 2, message: 'two too old' });
  });

  it('429 with Retry-After in seconds → retryable after that delay', async () => {
    receiver.addFault({ kind: 'status', status: 429, retryAfter: 7 });
    expect(await send()).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 7_000,
      reason: expect.stringMatching(/^HTTP 429/),
    });
  });

  it('429 with Retry-After as an HTTP-date → retryable until that date', async () => {
    receiver.addFault({
      kind: 'status',
      status: 429,
      retryAfter: new Date(Date.now() + 20_000).toUTCString(),
    });
    const result = await send();
    expect(result.kind).toBe('retryable');
    const delay = result.kind === 'retryable' ? (result.retryAfterMs ?? -1) : -1;
    // HTTP-dates have whole seconds
    expect(delay).toBeGreaterThan(18_000);
    expect(delay).toBeLessThanOrEqual(20_000);
  });

  it.each([502, 503, 504, 408])('%i → retryable', async (status) => {
    receiver.addFault({ kind: 'status', status });
    expect(await send()).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(new RegExp(`^HTTP ${status}`)),
    });
  });

  it('503 with Retry-After carries the delay', async () => {
    receiver.addFault({ kind: 'status', status: 503, retryAfter: 2 });
    expect(await send()).toMatchObject({ kind: 'retryable', retryAfterMs: 2_000 });
  });

  it.each([400, 401, 403, 404, 413, 500, 501])('%i → rejected (permanent)', async (status) => {
    receiver.addFault({ kind: 'status', status });
    expect(await send()).toMatchObject({
      kind: 'rejected',
      status,
      reason: expect.stringMatching(new RegExp(`^HTTP ${status}`)),
    });
  });

  it('connection refused → retryable', async () => {
    await receiver.stop();
    try {
      expect(await send()).toMatchObject({
        kind: 'retryable',
        reason: expect.stringMatching(/^connection_refused/),
      });
    } finally {
      await receiver.start();
    }
  });

  it('connection reset → retryable', async () => {
    receiver.addFault({ kind: 'reset' });
    expect(await send()).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/^connection_reset/),
    });
  });

  it('no answer past the attempt timeout → retryable', async () => {
    receiver.addFault({ kind: 'hang' });
    expect(await send(300)).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/^timeout/) });
  });

  it('TLS handshake failure → retryable', async () => {
    const secure = await createReceiver({ tls: { key: pem('server-key.pem'), cert: pem('server.pem') } });
    const untrusting = createHttpTransport({
      signal: 'logs',
      url: `${secure.url}/v1/logs`,
      tls: { ca: pem('other-ca.pem') },
    });
    const trusting = createHttpTransport({
      signal: 'logs',
      url: `${secure.url}/v1/logs`,
      tls: { ca: pem('ca.pem') },
    });
    try {
      expect(await untrusting.send(logsFragment(1), {})).toMatchObject({
        kind: 'retryable',
        reason: expect.stringMatching(/^tls_failure/),
      });
      expect(await trusting.send(logsFragment(1), {})).toEqual({ kind: 'ok' });
    } finally {
      await untrusting.close();
      await trusting.close();
      await secure.close();
    }
  });
});
