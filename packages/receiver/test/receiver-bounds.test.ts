import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { logsCodec } from '@otel-lifeline/otlp';
import { createReceiver } from '@otel-lifeline/receiver';

/** One log record carrying `attributes` attributes: a body a few MiB long that decodes into many objects. */
function largeRequest(id: number, attributes: number): Uint8Array {
  return logsCodec.encode({
    resourceLogs: [
      {
        scopeLogs: [
          {
            logRecords: [
              {
                body: { stringValue: `large-${id}` },
                attributes: Array.from({ length: attributes }, (_, i) => ({
                  key: `attribute.${i}`,
                  value: { stringValue: `value-${i}` },
                })),
              },
            ],
          },
        ],
      },
    ],
  });
}

/** Starts a POST whose body stops after its first byte; `finish` sends the rest. */
function heldRequest(url: string, body: Uint8Array) {
  const request = httpRequest(`${url}/v1/logs`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
  });
  const answer = new Promise<{ status: number; retryAfter: string | null }>((resolve, reject) => {
    request.on('response', (response) => {
      response.resume();
      const retryAfter = response.headers['retry-after'];
      resolve({
        status: response.statusCode ?? 0,
        retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
      });
    });
    request.on('error', reject);
  });
  request.write(body.subarray(0, 1));
  return { answer, finish: () => request.end(body.subarray(1)) };
}

describe('receiver memory bound', () => {
  it('answers 503 with Retry-After past its bounds when 10 large requests arrive at once, and accepts every one on retry', async () => {
    const receiver = await createReceiver({ maxDecodingBytes: 6 * 1024 * 1024, maxConcurrentRequests: 4 });
    try {
      const bodies = Array.from({ length: 10 }, (_, id) => largeRequest(id, 100_000));
      expect(bodies[0]!.length).toBeGreaterThan(2 * 1024 * 1024);
      // All ten are open at once, each held after its first body byte: four are admitted and
      // wait for their bodies; the other six are turned away at their head.
      const held = bodies.map((body) => heldRequest(receiver.url, body));
      while (receiver.counts().busy < 6) await sleep(10);
      const statuses: number[] = [];
      const retryAfter = new Set<string | null>();
      const first = await Promise.all(
        held.map(async ({ answer, finish }) => {
          const settled = await Promise.race([answer, sleep(50).then(() => undefined)]);
          if (settled !== undefined) return settled;
          finish();
          return answer;
        }),
      );
      for (const { status, retryAfter: after } of first) {
        statuses.push(status);
        if (status === 503) retryAfter.add(after);
      }
      expect(first.filter((a) => a.status === 503)).toHaveLength(6);
      // Those turned away are sent again, as an exporter would after Retry-After.
      const send = async (body: Uint8Array): Promise<void> => {
        for (;;) {
          const response = await fetch(`${receiver.url}/v1/logs`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: new Uint8Array(body),
          });
          await response.arrayBuffer();
          statuses.push(response.status);
          if (response.status !== 503) return;
          retryAfter.add(response.headers.get('retry-after'));
          await sleep(Number(response.headers.get('retry-after')) * 100);
        }
      };
      await Promise.all(bodies.filter((_, i) => first[i]!.status === 503).map(send));
      expect(retryAfter).toEqual(new Set(['1']));
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(receiver.counts()).toMatchObject({
        logRecords: 10,
        busy: statuses.filter((s) => s === 503).length,
      });
      const bodiesSeen = new Set(receiver.logRecords().map((r) => r.record.body?.stringValue));
      expect(bodiesSeen.size).toBe(10);
    } finally {
      await receiver.close();
    }
  });

  it('names a bad bound', async () => {
    await expect(createReceiver({ maxDecodingBytes: 0 })).rejects.toThrow(
      /maxDecodingBytes is 0; expected a positive integer/,
    );
    await expect(createReceiver({ maxConcurrentRequests: 1.5 })).rejects.toThrow(
      /maxConcurrentRequests is 1.5/,
    );
  });
});
