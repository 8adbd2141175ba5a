import { performance } from 'node:perf_hooks';
import type { ExportOutcomes } from './export-outcomes.js';
import { joinParts, sendInParts, type PartsTransport, type SendResult, type Transport } from './transport.js';

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
  options: { outcomes: ExportOutcomes; countItems: (body: Uint8Array) => number },
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
  const { outcomes } = options;
  const endpoint = inner.url;

  const attempt = async (items: number, send: () => Promise<SendResult>): Promise<SendResult> => {
    const started = performance.now();
    outcomes.inflight(endpoint, items);
    let result: SendResult;
    try {
      result = await send();
    } finally {
      outcomes.inflight(endpoint, -items);
    }
    outcomes.attempt(endpoint, items, (performance.now() - started) / 1000, result);
    return result;
  };

  const transport: InstrumentedTransport & PartsTransport = {
    url: endpoint,
    send: (body, sendOptions) =>
      attempt(sendOptions.items ?? itemsOf(body), () => inner.send(body, sendOptions)),
    sendParts: (parts, sendOptions) =>
      attempt(sendOptions.items ?? itemsOf(joinParts(parts)), () => sendInParts(inner, parts, sendOptions)),
    close: async () => {
      await inner.close?.();
    },
  };
  return transport;
}
