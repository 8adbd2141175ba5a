import { decodeStatus } from '@otel-lifeline/otlp';
import type { SendResult } from './transport.js';

/**
 * The outcome table (DESIGN, "The transport chain"): the contract for every endpoint answer.
 *
 *   2xx, no partial_success or zero rejected            → ok
 *   2xx, rejected > 0                                    → partial (counted, not retried)
 *   429, 502, 503, 504, 408                              → retryable (Retry-After honoured)
 *   refused / reset / DNS / TLS handshake / timeout      → retryable
 *   any other 4xx/5xx                                    → rejected (dead-letter file)
 */
const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

export function classifyStatus(
  status: number,
  details: { rejected?: number; message?: string; retryAfterMs?: number },
): SendResult {
  if (status >= 200 && status < 300) {
    const rejected = details.rejected ?? 0;
    return rejected > 0 ? { kind: 'partial', rejected, message: details.message ?? '' } : { kind: 'ok' };
  }
  if (RETRYABLE_STATUS.has(status)) {
    const reason = `HTTP ${status}${details.message ? `: ${details.message}` : ''}`;
    return details.retryAfterMs === undefined
      ? { kind: 'retryable', reason }
      : { kind: 'retryable', reason, retryAfterMs: details.retryAfterMs };
  }
  return {
    kind: 'rejected',
    status,
    reason: `HTTP ${status}${details.message ? `: ${details.message}` : ''}`,
  };
}

/**
 * A failure below HTTP (no status line was received). Every network-level failure is retryable:
 * the records are safe on disk and another endpoint, or a later attempt, may succeed.
 * The reason names the failure class so metrics and events can tell them apart.
 */
export function classifyNetworkError(error: unknown): SendResult {
  const code = errorCode(error);
  return { kind: 'retryable', reason: `${networkFailureClass(code)}: ${describe(error)}` };
}

export function networkFailureClass(code: string | undefined): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'connection_reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return 'dns_failure';
    case 'ETIMEDOUT':
    case 'LIFELINE_ATTEMPT_TIMEOUT':
      return 'timeout';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'unreachable';
    case 'ABORT_ERR':
      return 'aborted';
    default:
      if (code !== undefined && isTlsCode(code)) return 'tls_failure';
      return 'network_failure';
  }
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('CERT_') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'EPROTO'
  );
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The message of a google.rpc.Status body (protobuf or JSON), else the body text, shortened. */
export function errorMessage(body: Buffer, json: boolean): string {
  if (body.length === 0) return '';
  try {
    if (json) {
      const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message.slice(0, 500);
    } else {
      const status = decodeStatus(body);
      if (status.message) return status.message.slice(0, 500);
    }
  } catch {
    // not a Status: fall through to the raw text
  }
  const text = body.toString('utf8');
  return /^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/.test(text) ? text.slice(0, 500) : '';
}
