import { performance } from 'node:perf_hooks';
import type { Signal } from '@otel-lifeline/otlp';
import { channels, publish } from './diagnostics.js';
import type { SelfMetrics } from './self-metrics.js';
import type { SendOptions, SendResult, Transport } from './transport.js';

export interface InstrumentedTransport extends Transport {
  readonly url: string;
}

/**
 * Records one endpoint's attempts: operation duration, items in flight, and items the endpoint
 * answered for (accepted, or rejected with error.type). Retryable failures are not "exported":
 * the same items are counted once, when some endpoint finally answers.
 */
export function createInstrumentedTransport(
  inner: Transport & { readonly url: string },
  options: { signal: Signal; metrics: SelfMetrics; countItems: (body: Uint8Array) => number },
): InstrumentedTransport {
  const counts = new WeakMap<Uint8Array, number>();
  const itemsOf = (body: Uint8Array): number => {
    let n = counts.get(body);
    if (n === undefined) {
      try {
        n = options.countItems(body);
      } catch {
        n = 0;
      }
      counts.set(body, n);
    }
    return n;
  };
  const { metrics } = options;
  const endpoint = inner.url;

  return {
    url: endpoint,
    async send(body: Uint8Array, sendOptions: SendOptions): Promise<SendResult> {
      const items = itemsOf(body);
      const started = performance.now();
      metrics.inflight(items, endpoint);
      let result: SendResult;
      try {
        result = await inner.send(body, sendOptions);
      } finally {
        metrics.inflight(-items, endpoint);
      }
      const seconds = (performance.now() - started) / 1000;
      switch (result.kind) {
        case 'ok':
          metrics.operation(seconds, endpoint, 200);
          metrics.exported(items, endpoint);
          publish(channels.exported, { signal: options.signal, endpoint, items, durationMs: seconds * 1000 });
          break;
        case 'partial':
          metrics.operation(seconds, endpoint, 200);
          metrics.exported(Math.max(0, items - result.rejected), endpoint);
          metrics.exported(Math.min(items, result.rejected), endpoint, 'partial_rejected');
          break;
        case 'rejected':
          metrics.operation(
            seconds,
            endpoint,
            result.status,
            result.status === undefined ? 'rejected' : String(result.status),
          );
          metrics.exported(items, endpoint, result.status === undefined ? 'rejected' : String(result.status));
          break;
        case 'retryable':
          metrics.operation(seconds, endpoint, statusOf(result.reason), errorClass(result.reason));
          break;
      }
      return result;
    },
    close: async () => {
      await inner.close?.();
    },
  };
}

function statusOf(reason: string): number | undefined {
  const match = /^HTTP (\d{3})/.exec(reason);
  return match ? Number(match[1]) : undefined;
}

/** `HTTP 503: ...` → `503`, `connection_refused: ...` → `connection_refused`. */
export function errorClass(reason: string): string {
  const status = statusOf(reason);
  if (status !== undefined) return String(status);
  const colon = reason.indexOf(':');
  return colon > 0 ? reason.slice(0, colon) : reason;
}
