import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeStatus, logsCodec, metricsCodec, tracesCodec } from '@otel-lifeline/otlp';
import { createReceiver, type Receiver, type ReceiverOptions } from '@otel-lifeline/receiver';
import { httpSend, JSON_TYPE, PROTOBUF } from './http-request.js';
import { sampleLogs, sampleMetrics, sampleSpans } from './sample-requests.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});
async function start(options: ReceiverOptions = {}): Promise<Receiver> {
  receiver = await createReceiver(options);
  return receiver;
}
const sendLogs = (r: Receiver, count = 1, extra: Parameters<typeof httpSend>[1] = {}) =>
  httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body: logsCodec.encode(sampleLogs(count)), ...extra });

describe('receiver faults', () => {
  it('answers a scripted status with Retry-After in seconds, keeps nothing, then behaves normally', async () => {
    const r = await start();
    r.addFault({ kind: 'status', status: 503, retryAfter: 3 });
    const faulted = await sendLogs(r);
    expect(faulted.status).toBe(503);
    expect(faulted.headers['retry-after']).toBe('3');
    expect(decodeStatus(faulted.body)).toEqual({ code: 14, message: 'fault script answered 503' });
    expect(r.counts()).toMatchObject({ faulted: 1, logRecords: 0 });
    expect((await sendLogs(r)).status).toBe(200);
    expect(r.counts()).toMatchObject({ faulted: 1, logRecords: 1 });
  });

  it('answers a scripted 429 with Retry-After as an HTTP date, given as a string or a Date, in JSON for JSON', async () => {
    const r = await start();
    const date = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
    r.addFault({ kind: 'status', status: 429, retryAfter: 'Wed, 02 Jan 2030 03:04:05 GMT' });
    r.addFault({ kind: 'status', status: 429, retryAfter: date });
    const first = await httpSend(`${r.url}/v1/logs`, {
      headers: JSON_TYPE,
      body: logsCodec.toJson(sampleLogs(1)),
    });
    const second = await sendLogs(r);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
    expect(JSON.parse(first.body.toString())).toEqual({ code: 8, message: 'fault script answered 429' });
    expect(second.headers['retry-after']).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
  });

  it('applies a status fault a number of times, to one signal only', async () => {
    const r = await start();
    r.addFault({ kind: 'status', status: 502 }, { times: 2, signal: 'traces' });
    expect((await sendLogs(r)).status).toBe(200);
    const traces = () =>
      httpSend(`${r.url}/v1/traces`, { headers: PROTOBUF, body: tracesCodec.encode(sampleSpans(1)) }).then(
        (answer) => answer.status,
      );
    expect([await traces(), await traces(), await traces()]).toEqual([502, 502, 200]);
    expect(r.counts()).toMatchObject({ faulted: 2, spans: 1, logRecords: 1 });
  });

  it('applies a fault to every request of a time window, then the next fault, then none', async () => {
    const r = await start();
    r.addFault({ kind: 'status', status: 503 }, { forMs: 300 });
    r.addFault({ kind: 'status', status: 504 });
    const statuses: number[] = [];
    const opened = Date.now();
    while (Date.now() - opened < 250) statuses.push((await sendLogs(r)).status);
    await new Promise((resolve) => setTimeout(resolve, 350 - (Date.now() - opened)));
    statuses.push((await sendLogs(r)).status, (await sendLogs(r)).status);
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses.slice(0, -2).every((status) => status === 503)).toBe(true);
    expect(statuses.slice(-2)).toEqual([504, 200]);
  });

  it('delays the answer and then handles the request normally', async () => {
    const r = await start();
    r.addFault({ kind: 'delay', ms: 200 });
    const started = Date.now();
    const answer = await sendLogs(r, 2);
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(r.counts()).toMatchObject({ faulted: 1, logRecords: 2 });
  });

  it('keeps nothing from a delayed request whose client gave up', async () => {
    const r = await start();
    r.addFault({ kind: 'delay', ms: 300 });
    await expect(sendLogs(r, 2, { timeoutMs: 50 })).rejects.toThrow(/gave up after 50 ms/);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(r.counts()).toMatchObject({ faulted: 1, logRecords: 0 });
  });

  it('hangs until the client gives up, and keeps serving others meanwhile', async () => {
    const r = await start();
    r.addFault({ kind: 'hang' });
    const hung = sendLogs(r, 1, { timeoutMs: 300 }).catch((error: unknown) => error);
    await r.waitFor((x) => x.counts().faulted === 1);
    expect((await sendLogs(r, 2)).status).toBe(200);
    expect(await hung).toMatchObject({ message: 'gave up after 300 ms' });
    expect(r.counts()).toMatchObject({ faulted: 1, logRecords: 2 });
  });

  it('ends a hung request by destroying its connection when the receiver stops', async () => {
    const r = await start();
    r.addFault({ kind: 'hang' });
    const hung = sendLogs(r).catch((error: unknown) => error);
    await r.waitFor((x) => x.counts().faulted === 1);
    await r.stop();
    expect(await hung).toMatchObject({ code: 'ECONNRESET' });
  });

  it('resets the connection as soon as the request arrives', async () => {
    const r = await start();
    r.addFault({ kind: 'reset' }, { times: 2 });
    await expect(sendLogs(r)).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    await expect(
      httpSend(`${r.url}/v1/metrics`, { headers: JSON_TYPE, body: metricsCodec.toJson(sampleMetrics(1)) }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    expect((await sendLogs(r)).status).toBe(200);
    expect(r.counts()).toMatchObject({ faulted: 2, logRecords: 1, dataPoints: 0 });
  });

  it('resets after reading the body without keeping it, or after keeping it (the client never hears)', async () => {
    const r = await start();
    r.addFault({ kind: 'reset', at: 'body' });
    r.addFault({ kind: 'reset', at: 'kept' });
    expect(r.pendingFaults()).toBe(2);
    await expect(sendLogs(r, 2)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(r.counts()).toMatchObject({ faulted: 1, logRecords: 0 });
    await expect(sendLogs(r, 3)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(r.counts()).toMatchObject({ faulted: 2, logRecords: 3 });
    expect(r.logRecords()).toHaveLength(3);
    expect(r.pendingFaults()).toBe(0);
  });

  it('accepts and drops: answers 200 and keeps nothing, counting the dropped items', async () => {
    const r = await start();
    r.addFault({ kind: 'drop' }, { times: 2 });
    const dropped = await sendLogs(r, 4);
    expect(dropped.status).toBe(200);
    expect(dropped.body.length).toBe(0);
    const undecodable = await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body: Buffer.from([0xff]) });
    expect(undecodable.status).toBe(200);
    expect(r.received.logs).toEqual([]);
    expect(r.counts()).toMatchObject({ faulted: 2, dropped: 4, logRecords: 0, invalid: 0 });
  });

  it('answers a partial success with the scripted number of rejected items', async () => {
    const r = await start();
    r.addFault({ kind: 'partial', rejected: 2, errorMessage: 'quota' });
    r.addFault({ kind: 'partial', rejected: 1 });
    const first = await sendLogs(r, 5);
    expect(logsCodec.decodeResponse(first.body)).toEqual({ rejected: 2, errorMessage: 'quota' });
    const second = await httpSend(`${r.url}/v1/metrics`, {
      headers: JSON_TYPE,
      body: metricsCodec.toJson(sampleMetrics(3)),
    });
    expect(JSON.parse(second.body.toString())).toEqual({
      partialSuccess: {
        rejectedDataPoints: '1',
        errorMessage: "1 item(s) rejected by the receiver's fault script",
      },
    });
    expect(r.counts()).toMatchObject({ faulted: 2, rejected: 3, logRecords: 5, dataPoints: 3 });
  });

  it('records every attempt with its time, fault and outcome', async () => {
    let now = 1_000;
    const r = await start({ now: () => now });
    r.addFault({ kind: 'status', status: 503, retryAfter: 1 });
    r.addFault({ kind: 'reset' });
    r.addFault({ kind: 'drop' });
    expect((await sendLogs(r, 2)).status).toBe(503);
    now = 2_000;
    await expect(sendLogs(r, 2)).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    now = 3_000;
    expect((await sendLogs(r, 2)).status).toBe(200);
    expect((await sendLogs(r, 2)).status).toBe(200);
    expect((await httpSend(`${r.url}/v2/logs?x=1`, { headers: PROTOBUF, body: 'x' })).status).toBe(404);
    const logs = { method: 'POST', path: '/v1/logs', signal: 'logs' };
    expect(r.attempts()).toEqual([
      { at: 1_000, ...logs, fault: 'status', items: undefined, status: 503 },
      { at: 2_000, ...logs, fault: 'reset', items: undefined, status: undefined },
      { at: 3_000, ...logs, fault: 'drop', items: 2, status: 200 },
      { at: 3_000, ...logs, fault: undefined, items: 2, status: 200 },
      {
        at: 3_000,
        method: 'POST',
        path: '/v2/logs',
        signal: undefined,
        fault: undefined,
        items: undefined,
        status: 404,
      },
    ]);
  });

  it('forgets queued faults on clearFaults', async () => {
    const r = await start();
    r.addFault({ kind: 'status', status: 500 }, { times: 5 });
    r.clearFaults();
    expect((await sendLogs(r)).status).toBe(200);
  });

  it('does not spend a fault on a request refused for its path, method or content type', async () => {
    const r = await start();
    r.addFault({ kind: 'status', status: 503 });
    expect((await httpSend(`${r.url}/v1/nope`, { headers: PROTOBUF, body: 'x' })).status).toBe(404);
    expect(
      (await httpSend(`${r.url}/v1/logs`, { headers: { 'content-type': 'text/plain' }, body: 'x' })).status,
    ).toBe(415);
    expect((await sendLogs(r)).status).toBe(503);
  });

  it('keeps a keep-alive connection usable after a status fault', async () => {
    const r = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      r.addFault({ kind: 'status', status: 503 });
      expect((await sendLogs(r, 1, { agent })).status).toBe(503);
      expect((await sendLogs(r, 1, { agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
