import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logsCodec } from '@otel-lifeline/otlp';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../src/http-transport.js';
import { refusedPort, startLoopbackServer } from './loopback.js';

const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../receiver/test/fixtures/tls');
const pem = (name: string): Buffer => readFileSync(path.join(tlsDir, name));

const request = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
      scopeLogs: [
        {
          scope: { name: 'test' },
          logRecords: [{ timeUnixNano: '1700000000000000000', body: { stringValue: 'hello' } }],
        },
      ],
    },
  ],
};
const body = logsCodec.encode(request);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function server(handler?: Parameters<typeof startLoopbackServer>[0]) {
  const s = await startLoopbackServer(handler);
  cleanups.push(s.close);
  return s;
}

function transport(options: Omit<Parameters<typeof createHttpTransport>[0], 'signal'>) {
  const t = createHttpTransport({ signal: 'logs', ...options });
  cleanups.push(() => t.close());
  return t;
}

describe('http transport', () => {
  it('POSTs the protobuf body gzip-compressed with the OTLP content type and the configured headers', async () => {
    const s = await server();
    const t = transport({
      url: `${s.url}/v1/logs`,
      headers: { authorization: 'Bearer abc', 'x-tenant': 't1' },
    });
    expect(await t.send(body, {})).toEqual({ kind: 'ok' });
    const [received] = s.requests;
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/v1/logs');
    expect(received?.headers['content-type']).toBe('application/x-protobuf');
    expect(received?.headers['content-encoding']).toBe('gzip');
    expect(received?.headers.authorization).toBe('Bearer abc');
    expect(received?.headers['x-tenant']).toBe('t1');
    expect(logsCodec.decode(received?.body as Buffer)).toEqual(logsCodec.decode(body));
  });

  it('sends uncompressed with compression none', async () => {
    const s = await server();
    const t = transport({ url: `${s.url}/v1/logs`, compression: 'none' });
    await t.send(body, {});
    expect(s.requests[0]?.headers['content-encoding']).toBeUndefined();
    expect(Buffer.compare(s.requests[0]?.body as Buffer, Buffer.from(body))).toBe(0);
  });

  it('transcodes the stored protobuf to OTLP-JSON with http/json', async () => {
    const s = await server();
    const t = transport({ url: `${s.url}/v1/logs`, protocol: 'http/json' });
    expect(await t.send(body, {})).toEqual({ kind: 'ok' });
    expect(s.requests[0]?.headers['content-type']).toBe('application/json');
    expect(logsCodec.fromJson((s.requests[0]?.body as Buffer).toString('utf8'))).toEqual(
      logsCodec.decode(body),
    );
  });

  it('keeps the connection alive between requests', async () => {
    const s = await server();
    const t = transport({ url: `${s.url}/v1/logs` });
    for (let i = 0; i < 5; i++) expect(await t.send(body, {})).toEqual({ kind: 'ok' });
    expect(s.connections).toBe(1);
  });

  it('reads partial success from a protobuf answer', async () => {
    const s = await server((_r, res) => {
      res.setHeader('content-type', 'application/x-protobuf');
      res.end(Buffer.from(logsCodec.encodeResponse({ rejected: 2, errorMessage: 'too old' })));
    });
    expect(await transport({ url: `${s.url}/v1/logs` }).send(body, {})).toEqual({
      kind: 'partial',
      rejected: 2,
      message: 'too old',
    });
  });

  it('reads partial success from a JSON answer', async () => {
    const s = await server((_r, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(logsCodec.responseToJson({ rejected: 1, errorMessage: 'bad attribute' }));
    });
    expect(await transport({ url: `${s.url}/v1/logs`, protocol: 'http/json' }).send(body, {})).toEqual({
      kind: 'partial',
      rejected: 1,
      message: 'bad attribute',
    });
  });

  it('gives up an attempt that gets no answer within timeoutMs, as retryable', async () => {
    // The server never answers: only the attempt timeout can end this send.
    const s = await server(() => undefined);
    const result = await transport({ url: `${s.url}/v1/logs`, timeoutMs: 200 }).send(body, {});
    expect(result).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/^timeout: /) });
  });

  it('abandons the attempt when the signal aborts', async () => {
    const s = await server(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await transport({ url: `${s.url}/v1/logs`, timeoutMs: 60_000 }).send(body, {
      signal: controller.signal,
    });
    expect(result).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/^aborted: /) });
  });

  it('reports a refused connection as retryable', async () => {
    const port = await refusedPort();
    expect(await transport({ url: `http://127.0.0.1:${port}/v1/logs` }).send(body, {})).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/^connection_refused: /),
    });
  });

  it('reports a DNS failure as retryable', async () => {
    const t = transport({
      url: 'http://collector.invalid:4318/v1/logs',
      lookup: ((_host: string, _opts: unknown, callback: (error: Error) => void) =>
        callback(
          Object.assign(new Error('getaddrinfo ENOTFOUND collector.invalid'), { code: 'ENOTFOUND' }),
        )) as never,
    });
    expect(await t.send(body, {})).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/^dns_failure: /),
    });
  });

  it('reads the google.rpc.Status message of a rejection', async () => {
    const { encodeStatus } = await import('@otel-lifeline/otlp');
    const s = await server((_r, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/x-protobuf');
      res.end(Buffer.from(encodeStatus({ code: 3, message: 'unknown field 99' })));
    });
    expect(await transport({ url: `${s.url}/v1/logs` }).send(body, {})).toEqual({
      kind: 'rejected',
      status: 400,
      reason: 'HTTP 400: unknown field 99',
    });
  });

  it('refuses a URL that is not http(s), naming the option', () => {
    expect(() => createHttpTransport({ signal: 'logs', url: 'ftp://x/v1/logs' })).toThrow(
      /invalid option url: got "ftp:\/\/x\/v1\/logs"/,
    );
    expect(() => createHttpTransport({ signal: 'logs', url: 'http://x/v1/logs', timeoutMs: 0 })).toThrow(
      /timeoutMs/,
    );
  });

  describe('over TLS', () => {
    async function tlsServer(options: https.ServerOptions) {
      const received: string[] = [];
      const s = https.createServer(
        { key: pem('server-key.pem'), cert: pem('server.pem'), ...options },
        (req, res) => {
          received.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
          req.resume();
          req.on('end', () => res.end());
        },
      );
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      );
      return { url: `https://127.0.0.1:${(s.address() as AddressInfo).port}/v1/logs`, received };
    }

    it('sends to a server whose certificate the configured CA signed', async () => {
      const s = await tlsServer({});
      expect(await transport({ url: s.url, tls: { ca: pem('ca.pem') } }).send(body, {})).toEqual({
        kind: 'ok',
      });
    });

    it('reports an untrusted server certificate as a retryable TLS failure', async () => {
      const s = await tlsServer({});
      expect(await transport({ url: s.url, tls: { ca: pem('other-ca.pem') } }).send(body, {})).toMatchObject({
        kind: 'retryable',
        reason: expect.stringMatching(/^tls_failure: /),
      });
    });

    it('presents the client certificate for mutual TLS', async () => {
      const s = await tlsServer({ ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true });
      expect(
        await transport({
          url: s.url,
          tls: { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client-key.pem') },
        }).send(body, {}),
      ).toEqual({
        kind: 'ok',
      });
      expect(s.received).toHaveLength(1);
      const without = await transport({ url: s.url, tls: { ca: pem('ca.pem') } }).send(body, {});
      expect(without.kind).toBe('retryable');
    });
  });
});
