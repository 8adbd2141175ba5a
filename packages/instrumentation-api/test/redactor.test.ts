import { describe, expect, it } from 'vitest';
import { createRedactor } from '@otel-lifeline/instrumentation-api';
import { utf8Boundary } from '../src/body-capture.js';
import { createSensitiveKeyMatcher } from '../src/sensitive-keys.js';
import { luhnValid, scrubSecrets } from '../src/value-detectors.js';

const KEY = 'a-test-key-of-32-bytes-length!!!';

describe('sensitive keys', () => {
  const sensitive = createSensitiveKeyMatcher();
  it.each([
    'password',
    'new_password',
    'userPassword',
    'apiKey',
    'api-key',
    'X-Amz-Signature',
    'sig',
    'AWSAccessKeyId',
    'client_secret',
    'session',
    'code',
    'auth_code',
    'access_token',
    'Authorization',
    'pin',
  ])('treats %s as sensitive', (key) => expect(sensitive(key)).toBe(true));
  it.each([
    'page',
    'monkey',
    'status_code',
    'country_code',
    'order',
    'note',
    'keyboard',
    'tokens_used',
    'http.response.status_code',
  ])('treats %s as harmless', (key) => expect(sensitive(key)).toBe(false));
});

describe('value detectors', () => {
  const mask = (t: string) => scrubSecrets(t, () => 'REDACTED');
  it.each([
    [
      'Authorization was Bearer abcDEF123456789xyz for the call',
      'Authorization was Bearer REDACTED for the call',
    ],
    [
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U here',
      'token REDACTED here',
    ],
    ['card 4111 1111 1111 1111 paid', 'card REDACTED paid'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key REDACTED used'],
    ['maps AIzaSyA1234567890abcdefghijklmnopqrstuv ok', 'maps REDACTED ok'],
    ['conn AccountKey=abc+def/ghi==;Endpoint', 'conn AccountKey=REDACTED;Endpoint'],
    ['db postgres://app:s3cr3tPass@db:5432/x', 'db postgres://app:REDACTED@db:5432/x'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- done', 'REDACTED done'],
    ['cut -----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhk', 'cut REDACTED'],
  ])('finds the secret in %j', (input, output) => expect(mask(input)).toBe(output));

  it('leaves look-alikes alone: a 16-digit order number failing Luhn, a timestamp, prose', () => {
    for (const text of [
      'order 4111111111111112',
      'at 1763776000000 ms',
      'Basic authentication failed',
      'GET /users/42',
    ]) {
      expect(mask(text)).toBe(text);
    }
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});

describe('redactor', () => {
  it('masks sensitive query values with the key kept, and secrets under any key', () => {
    const r = createRedactor();
    expect(
      r.redactQuery('page=2&password=hunter2&sig=abc&q=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig'),
    ).toBe('page=2&password=REDACTED&sig=REDACTED&q=REDACTED');
    expect(r.redactQuery('page=2&sort=asc')).toBe('page=2&sort=asc');
    // Pairs before and after the first secret, empty pairs, keys without values and a trailing `&` survive.
    expect(r.redactQuery('a=1&&flag&token=t1&b=&c=3&')).toBe('a=1&&flag&token=REDACTED&b=&c=3&');
    expect(r.redactQuery('token=t1&a=1')).toBe('token=REDACTED&a=1');
    expect(r.redactQuery('a=1&api%5Fkey=k%2B1&b=Bearer+abcdefgh12345')).toBe(
      'a=1&api%5Fkey=REDACTED&b=REDACTED',
    );
    expect(r.redactUrl('https://u:pw12345@x.io/p?X-Amz-Credential=AKIA%2F2026&ok=1#frag')).toBe(
      'https://REDACTED:REDACTED@x.io/p?X-Amz-Credential=REDACTED&ok=1#frag',
    );
  });

  it('masks credential headers even when listed, and scans the others', () => {
    const r = createRedactor();
    expect(r.redactHeader('authorization', ['Basic dXNlcjpwYXNz'])).toEqual(['REDACTED']);
    expect(r.redactHeader('Cookie', ['session=abc'])).toEqual(['REDACTED']);
    expect(r.redactHeader('x-note', ['card 5555555555554444'])).toEqual(['card REDACTED']);
    expect(r.redactHeader('user-agent', ['curl/8.5.0'])).toEqual(['curl/8.5.0']);
  });

  it('masks sensitive JSON fields in place, even in a body cut short by the size cap', () => {
    const r = createRedactor();
    expect(
      r.redactBody(
        '{"user":"ann","password":"p@ss w0rd","nested":{"apiKey":"k-123","n":1}}',
        'application/json',
      ),
    ).toBe('{"user":"ann","password":"REDACTED","nested":{"apiKey":"REDACTED","n":1}}');
    expect(r.redactBody('{"user":"ann","password":"p@ss w', 'application/json; charset=utf-8')).toBe(
      '{"user":"ann","password":"REDACTED"',
    );
    expect(r.redactBody('user=ann&password=x', 'application/x-www-form-urlencoded')).toBe(
      'user=ann&password=REDACTED',
    );
    expect(r.redactBody('login ok, token=abc123', 'text/plain')).toBe('login ok, token=REDACTED');
  });

  it('gives a stable keyed pseudonym in hash mode and leaves things out in drop mode', () => {
    const hash = createRedactor({ mode: 'hash', hashKey: KEY });
    const a = hash.redactQuery('password=hunter2');
    expect(a).toMatch(/^password=hmac-sha256:[0-9a-f]{32}$/);
    expect(hash.redactQuery('x=1&password=hunter2')).toBe(`x=1&${a}`);
    expect(
      createRedactor({ mode: 'hash', hashKey: `${KEY}-other` }).redactQuery('password=hunter2'),
    ).not.toBe(a);
    const drop = createRedactor({ mode: 'drop' });
    expect(drop.redactQuery('a=1&token=t&b=2')).toBe('a=1&b=2');
    expect(drop.redactQuery('token=t&b=2&secret=s')).toBe('b=2');
    expect(drop.redactHeader('authorization', ['Bearer x'])).toBeUndefined();
    const attributes: Record<string, unknown> = {
      password: 'x',
      'http.request.header.cookie': ['a=b'],
      ok: 'fine',
    };
    drop.redactAttributes(attributes);
    expect(attributes).toEqual({ ok: 'fine' });
  });

  it('redacts attribute maps: url keys, header keys, sensitive keys, nested maps and free text', () => {
    const r = createRedactor();
    const attributes: Record<string, unknown> = {
      'url.query': 'token=abc&x=1',
      'url.full': 'http://h/p?api_key=zzz',
      'http.request.header.authorization': ['Bearer abcdefgh12345'],
      'user.password': 'pw',
      'lifeline.consumer.api_key_hash': 'hmac-sha256:00',
      'http.response.status_code': 200,
      message: 'charged 4111111111111111',
      payload: { clientSecret: 's', list: ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig'] },
    };
    r.redactAttributes(attributes);
    expect(attributes).toEqual({
      'url.query': 'token=REDACTED&x=1',
      'url.full': 'http://h/p?api_key=REDACTED',
      'http.request.header.authorization': ['REDACTED'],
      'user.password': 'REDACTED',
      'lifeline.consumer.api_key_hash': 'hmac-sha256:00',
      'http.response.status_code': 200,
      message: 'charged REDACTED',
      payload: { clientSecret: 'REDACTED', list: ['REDACTED'] },
    });
  });

  it('rejects bad options with the key named', () => {
    expect(() => createRedactor({ mode: 'hash' })).toThrow(/redaction\.hashKey/);
    expect(() => createRedactor({ mode: 'blur' as never })).toThrow(/redaction\.mode/);
    expect(() => createRedactor({ mode: 'hash', hashKey: 'short' })).toThrow(/at least 16 bytes/);
  });
});

describe('utf8 boundary', () => {
  it('never splits a multi-byte character', () => {
    const buf = Buffer.from('aé€😀', 'utf8'); // 1 + 2 + 3 + 4 bytes
    const cuts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) =>
      buf.toString('utf8', 0, utf8Boundary(buf.subarray(0, n), n)),
    );
    expect(cuts).toEqual(['', 'a', 'a', 'aé', 'aé', 'aé', 'aé€', 'aé€', 'aé€', 'aé€', 'aé€😀']);
  });
});
