import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { logsCodec } from '@otel-lifeline/otlp';
import { createReceiver, ReceiverError, type Receiver, type ReceiverOptions } from '@otel-lifeline/receiver';
import { httpSend, PROTOBUF } from './http-request.js';
import { sampleLogs } from './sample-requests.js';

const tls = (name: string): Buffer =>
  readFileSync(fileURLToPath(new URL(`./fixtures/tls/${name}`, import.meta.url)));

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});
async function start(options: ReceiverOptions = {}): Promise<Receiver> {
  receiver = await createReceiver(options);
  return receiver;
}
const body = logsCodec.encode(sampleLogs(1));

describe('receiver life cycle', () => {
  it('listens on a free loopback port and reports its URL', async () => {
    const r = await start();
    expect(r.port).toBeGreaterThan(0);
    expect(r.url).toBe(`http://127.0.0.1:${r.port}`);
  });

  it('refuses connections while stopped and serves again on the same port after start, keeping what it had', async () => {
    const r = await start();
    const port = r.port;
    expect((await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body })).status).toBe(200);
    await r.stop();
    await expect(httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await r.stop(); // stopping twice is harmless
    await r.start();
    expect(r.port).toBe(port);
    expect((await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body })).status).toBe(200);
    expect(r.counts()).toMatchObject({ requests: 2, logRecords: 2 });
  });

  it('destroys open keep-alive connections on stop, so a pooled client cannot keep talking to it', async () => {
    const r = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body, agent })).status).toBe(200);
      const pooled = Object.values(agent.freeSockets).flat();
      expect(pooled).toHaveLength(1);
      const closed = new Promise((resolve) => pooled[0]!.once('close', resolve));
      await r.stop();
      await closed;
      await expect(httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body, agent })).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      await r.start();
      expect((await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body, agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('resolves waitFor once the condition holds and rejects with the counts when it never does', async () => {
    const r = await start();
    const waiting = r.waitFor((x) => x.counts().logRecords >= 3);
    for (let i = 0; i < 3; i += 1) await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body });
    await waiting;
    await r.waitFor(() => true);
    const error = await r.waitFor((x) => x.counts().spans > 0, 50).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReceiverError);
    expect(error).toMatchObject({
      code: 'LIFELINE_ERR_TIMEOUT',
      message: expect.stringMatching(/"logRecords":3/),
    });
  });

  it('forgets what it received on clear', async () => {
    const r = await start();
    await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body });
    r.clear();
    expect(r.received.logs).toEqual([]);
    expect(r.counts()).toMatchObject({ requests: 0, logRecords: 0 });
  });

  it('answers requests in flight before closing, and refuses new connections meanwhile', async () => {
    const r = await start();
    r.addFault({ kind: 'delay', ms: 300 });
    const inFlight = httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body });
    await r.waitFor(() => r.counts().faulted === 1);
    const closing = r.close();
    await expect(httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.headers['connection']).toBe('close');
    await closing;
    expect(r.counts().logRecords).toBe(1);
  });

  it('destroys requests still in flight after closeTimeoutMs, and hung requests at once', async () => {
    const r = await start({ closeTimeoutMs: 100 });
    r.addFault({ kind: 'delay', ms: 60_000 });
    r.addFault({ kind: 'hang' });
    const outcomes = Promise.allSettled([
      httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body }),
      httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body }),
    ]);
    await r.waitFor(() => r.counts().faulted === 2);
    await r.close(); // well before the 60 s delay ends: the test would time out otherwise
    const [delayed, hung] = await outcomes;
    expect(delayed).toMatchObject({ status: 'rejected', reason: { code: 'ECONNRESET' } });
    expect(hung).toMatchObject({ status: 'rejected', reason: { code: 'ECONNRESET' } });
    expect(r.counts().logRecords).toBe(0);
  });

  it('cannot start again once closed', async () => {
    const r = await start();
    const pending = r.waitFor(() => false, 60_000).catch((error: unknown) => error);
    await r.close();
    expect(await pending).toMatchObject({ code: 'LIFELINE_ERR_STATE' });
    await r.close();
    await expect(r.start()).rejects.toMatchObject({ code: 'LIFELINE_ERR_STATE', message: /closed/ });
  });

  it('fails to start with LIFELINE_ERR_STATE naming the address when the port is taken', async () => {
    const r = await start();
    const error = await createReceiver({ port: r.port }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'LIFELINE_ERR_STATE',
      message: expect.stringContaining(`127.0.0.1:${r.port}`),
    });
  });
});

describe('receiver over TLS', () => {
  it('serves HTTPS with the test server certificate to a client trusting the test CA', async () => {
    const r = await start({ tls: { key: tls('server-key.pem'), cert: tls('server.pem') } });
    expect(r.url).toBe(`https://127.0.0.1:${r.port}`);
    const answer = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body,
      tls: { ca: tls('ca.pem') },
    });
    expect(answer.status).toBe(200);
    await expect(
      httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body, tls: { ca: tls('other-ca.pem') } }),
    ).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('requires a client certificate from the test CA with mTLS', async () => {
    const r = await start({
      tls: { key: tls('server-key.pem'), cert: tls('server.pem'), ca: tls('ca.pem'), requestCert: true },
    });
    const trusted = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body,
      tls: { ca: tls('ca.pem'), key: tls('client-key.pem'), cert: tls('client.pem') },
    });
    expect(trusted.status).toBe(200);
    await expect(
      httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body, tls: { ca: tls('ca.pem') } }),
    ).rejects.toThrow();
    await expect(
      httpSend(`${r.url}/v1/logs`, {
        headers: PROTOBUF,
        body,
        tls: { ca: tls('ca.pem'), key: tls('other-client-key.pem'), cert: tls('other-client.pem') },
      }),
    ).rejects.toThrow();
    expect(r.counts().logRecords).toBe(1);
  });

  it('resets a TLS connection for a reset fault and keeps serving TLS', async () => {
    const r = await start({ tls: { key: tls('server-key.pem'), cert: tls('server.pem') } });
    const options = { headers: PROTOBUF, body, tls: { ca: tls('ca.pem') } };
    r.addFault({ kind: 'reset' });
    await expect(httpSend(`${r.url}/v1/logs`, options)).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|EPIPE/),
    });
    expect((await httpSend(`${r.url}/v1/logs`, options)).status).toBe(200);
    expect(r.counts()).toMatchObject({ faulted: 1, logRecords: 1 });
  });

  it('destroys TLS keep-alive connections on stop and serves TLS again after start', async () => {
    const r = await start({ tls: { key: tls('server-key.pem'), cert: tls('server.pem') } });
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: tls('ca.pem') });
    try {
      expect((await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body, agent })).status).toBe(200);
      const pooled = Object.values(agent.freeSockets).flat();
      const closed = new Promise((resolve) => pooled[0]!.once('close', resolve));
      await r.stop();
      await closed;
      await r.start();
      expect((await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body, agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe('receiver options', () => {
  it('refuses bad options with LIFELINE_ERR_CONFIG naming the option and what was expected', async () => {
    const cases: Array<[ReceiverOptions, RegExp]> = [
      [{ port: -1 }, /receiver option port is -1; expected an integer from 0 to 65535/],
      [{ port: 1.5 }, /receiver option port is 1.5/],
      [{ host: '' }, /receiver option host is ""/],
      [{ maxBodyBytes: 0 }, /receiver option maxBodyBytes is 0; expected a positive integer/],
      [{ keep: 'yes' as never }, /receiver option keep is "yes"; expected true or false/],
      [{ jsonLinesFile: '' }, /receiver option jsonLinesFile is ""/],
      [{ onExport: 5 as never }, /receiver option onExport is 5; expected a function/],
      [
        { tls: { key: 'k' } as never },
        /receiver option tls.cert is "undefined"; expected a PEM string or Buffer/,
      ],
      [{ closeTimeoutMs: -1 }, /receiver option closeTimeoutMs is -1; expected a number of milliseconds ≥ 0/],
    ];
    for (const [options, message] of cases) {
      await expect(createReceiver(options)).rejects.toMatchObject({ code: 'LIFELINE_ERR_CONFIG', message });
    }
  });
});
