import { logsCodec } from '@otel-lifeline/otlp';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../src/http-transport.js';
import { maskUserinfo, splitUserinfo } from '../src/endpoint-credentials.js';
import { startLoopbackServer } from './loopback.js';

const body = logsCodec.encode({ resourceLogs: [] });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('endpoint user-info', () => {
  it('becomes a Basic Authorization header and leaves the URL the transport reports', async () => {
    const server = await startLoopbackServer();
    cleanups.push(server.close);
    const transport = createHttpTransport({
      url: `http://tenant-7:pa%40ss-S3cret@127.0.0.1:${server.port}/v1/logs`,
      signal: 'logs',
    });
    cleanups.push(() => transport.close());
    expect(await transport.send(body, {})).toEqual({ kind: 'ok' });
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('tenant-7:pa@ss-S3cret').toString('base64')}`,
    );
    expect(transport.url).toBe(`http://127.0.0.1:${server.port}/v1/logs`);
  });

  it('is a configuration error next to an explicit Authorization header, and the error hides the password', () => {
    let error: unknown;
    try {
      createHttpTransport({
        url: 'http://user:S3cret-pw@127.0.0.1:4318/v1/logs',
        signal: 'logs',
        headers: { Authorization: 'Bearer abc' },
      });
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('LIFELINE_ERR_CONFIG');
    expect(String((error as Error).message)).toContain('not both');
    expect(String((error as Error).message)).not.toContain('S3cret-pw');
  });

  it('splits an empty user (`:pw@`) and masks user-info in text that is not a URL', () => {
    expect(splitUserinfo('https://:pw@c.example/v1/traces')).toEqual({
      url: 'https://c.example/v1/traces',
      authorization: `Basic ${Buffer.from(':pw').toString('base64')}`,
    });
    expect(splitUserinfo('http://c.example:4318/v1/logs').authorization).toBeUndefined();
    expect(maskUserinfo('bad value http://u:pw@host:99999')).toBe('bad value http://REDACTED@host:99999');
  });
});
