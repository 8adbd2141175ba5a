import { describe, expect, it } from 'vitest';
import { classifyNetworkError, classifyStatus, networkFailureClass } from '../src/classify-outcome.js';

describe('outcome classification', () => {
  it('classifies 2xx with no rejected items as ok', () => {
    expect(classifyStatus(200, {})).toEqual({ kind: 'ok' });
    expect(classifyStatus(202, { rejected: 0, message: '' })).toEqual({ kind: 'ok' });
  });

  it('classifies 2xx with rejected items as partial', () => {
    expect(classifyStatus(200, { rejected: 3, message: 'too old' })).toEqual({
      kind: 'partial',
      rejected: 3,
      message: 'too old',
    });
  });

  it.each([408, 429, 502, 503, 504])('classifies %i as retryable, keeping Retry-After', (status) => {
    expect(classifyStatus(status, { retryAfterMs: 2_000 })).toEqual({
      kind: 'retryable',
      reason: `HTTP ${status}`,
      retryAfterMs: 2_000,
    });
    expect(classifyStatus(status, {})).toEqual({ kind: 'retryable', reason: `HTTP ${status}` });
  });

  it.each([400, 401, 403, 404, 413, 415, 500, 501, 505])('classifies %i as rejected', (status) => {
    expect(classifyStatus(status, { message: 'no' })).toEqual({
      kind: 'rejected',
      status,
      reason: `HTTP ${status}: no`,
    });
  });

  it('classifies every network failure as retryable and names its class', () => {
    const cases: Array<[string, string]> = [
      ['ECONNREFUSED', 'connection_refused'],
      ['ECONNRESET', 'connection_reset'],
      ['EPIPE', 'connection_reset'],
      ['ENOTFOUND', 'dns_failure'],
      ['EAI_AGAIN', 'dns_failure'],
      ['LIFELINE_ATTEMPT_TIMEOUT', 'timeout'],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls_failure'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls_failure'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls_failure'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls_failure'],
      ['EHOSTUNREACH', 'unreachable'],
    ];
    for (const [code, kind] of cases) {
      expect(networkFailureClass(code)).toBe(kind);
      const result = classifyNetworkError(Object.assign(new Error('boom'), { code }));
      expect(result.kind).toBe('retryable');
      expect(result.kind === 'retryable' && result.reason).toBe(`${kind}: boom`);
    }
    expect(classifyNetworkError(new Error('odd')).kind).toBe('retryable');
  });
});
