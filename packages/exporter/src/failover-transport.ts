import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import {
  retriesEnded,
  sendInParts,
  type PartsTransport,
  type SendOptions,
  type SendResult,
  type Transport,
} from './transport.js';

/*
 * Fail-over across endpoints in priority order (index 0 = primary). Each endpoint has a state:
 *
 *                          retryable answer (refused, reset, timeout, 5xx-retryable)
 *        ┌───────────┐  ─────────────────────────────────────────────►  ┌──────────────────────────┐
 *        │           │                                                  │ skipped                  │
 *        │ available │  ◄── probe time reached (failedAt + probeInterval)│  until failedAt+probe    │
 *        │           │                                                  └──────────────────────────┘
 *        │           │  ─── 429/503 with Retry-After ─────────────────►  ┌──────────────────────────┐
 *        │           │  ◄── Retry-After time reached ──────────────────  │ throttled until then     │
 *        └───────────┘                                                  └──────────────────────────┘
 *             ▲  │ any answer (2xx, partial, permanent reject) keeps or makes it available
 *             └──┘
 *
 * One send walks the available endpoints in priority order and stops at the first one that answers:
 *
 *   send(batch) ─► [primary available?] ─yes─► primary ─answer─► done (failback if it was not current)
 *                        │ no                     │ retryable: mark skipped, go on at once (no backoff)
 *                        ▼                        ▼
 *                  next available endpoint ◄──────┘ ... ─answer─► done (switch if lower than current)
 *                        │ every endpoint failed
 *                        ▼
 *                  retryable ─► the retrying transport backs off, then sends again
 *
 * Live traffic is the probe: once a skipped endpoint's probe time is reached it is available again,
 * so the next batch tries it first and traffic fails back as soon as it answers. When every endpoint
 * is skipped, all that are not throttled are tried anyway (the retrying transport's backoff paces
 * these attempts); when every endpoint is throttled, the result carries the earliest Retry-After.
 */

export type EndpointState = 'available' | 'skipped' | 'throttled';

export interface EndpointStatus {
  readonly name: string;
  readonly state: EndpointState;
  /** Epoch ms until which the endpoint is skipped (0 when available). */
  readonly until: number;
  /** True for the endpoint that answered last (where traffic goes now). */
  readonly current: boolean;
}

export interface FailoverOptions {
  /** How long a failed endpoint is skipped before live traffic probes it again, default 30_000 ms. */
  probeIntervalMs?: number;
  /** Endpoint names for events and metrics, default each transport's `url`, else `endpoint-<i>`. */
  names?: readonly string[];
  clock?: Clock;
  /** Traffic moved to a lower-priority endpoint. */
  onSwitch?: (event: { from: string; to: string; reason: string }) => void;
  /** Traffic returned to a higher-priority endpoint. */
  onFailback?: (event: { from: string; to: string }) => void;
  onStateChange?: (status: EndpointStatus) => void;
}

export interface FailoverTransport extends Transport {
  /** Each endpoint's state, in priority order. */
  status(): EndpointStatus[];
}

interface Endpoint {
  readonly transport: Transport;
  readonly name: string;
  state: EndpointState;
  until: number;
  lastReason: string;
}

class FailoverTransportImpl implements FailoverTransport, PartsTransport {
  readonly #endpoints: Endpoint[];
  readonly #probeIntervalMs: number;
  readonly #clock: Clock;
  readonly #options: FailoverOptions;
  #current = 0;

  constructor(transports: readonly Transport[], options: FailoverOptions) {
    this.#endpoints = transports.map((transport, i) => ({
      transport,
      name: options.names?.[i] ?? (transport as { url?: string }).url ?? `endpoint-${i}`,
      state: 'available',
      until: 0,
      lastReason: '',
    }));
    this.#probeIntervalMs = options.probeIntervalMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
  }

  send(body: Uint8Array, options: SendOptions): Promise<SendResult> {
    return this.#send((transport) => transport.send(body, options), options);
  }

  sendParts(parts: readonly Uint8Array[], options: SendOptions): Promise<SendResult> {
    return this.#send((transport) => sendInParts(transport, parts, options), options);
  }

  async #send(
    attempt: (transport: Transport) => Promise<SendResult>,
    options: SendOptions,
  ): Promise<SendResult> {
    const order = this.#attemptOrder();
    if (order.length === 0) {
      const earliest = Math.min(...this.#endpoints.map((e) => e.until));
      return {
        kind: 'retryable',
        retryAfterMs: Math.max(0, earliest - this.#clock.now()),
        reason: 'every endpoint is throttled',
      };
    }
    const reasons: string[] = [];
    for (const index of order) {
      if (retriesEnded(options)) break;
      const endpoint = this.#endpoints[index] as Endpoint;
      const result = await attempt(endpoint.transport);
      if (result.kind === 'retryable') {
        this.#markFailed(endpoint, result);
        reasons.push(`${endpoint.name}: ${result.reason}`);
        continue;
      }
      this.#markAnswered(index);
      return result;
    }
    return {
      kind: 'retryable',
      reason: reasons.length > 0 ? reasons.join('; ') : 'abandoned before any attempt',
    };
  }

  /** Available endpoints in priority order; when none is, every endpoint that is not throttled. */
  #attemptOrder(): number[] {
    const now = this.#clock.now();
    for (const endpoint of this.#endpoints) {
      if (endpoint.state !== 'available' && endpoint.until <= now) this.#setState(endpoint, 'available', 0);
    }
    const indices = this.#endpoints.map((_, i) => i);
    const available = indices.filter((i) => this.#endpoints[i]?.state === 'available');
    if (available.length > 0) return available;
    return indices.filter((i) => this.#endpoints[i]?.state === 'skipped');
  }

  #markFailed(endpoint: Endpoint, result: Extract<SendResult, { kind: 'retryable' }>): void {
    endpoint.lastReason = result.reason;
    const now = this.#clock.now();
    if (result.retryAfterMs !== undefined && result.retryAfterMs > 0) {
      this.#setState(endpoint, 'throttled', now + result.retryAfterMs);
    } else {
      this.#setState(endpoint, 'skipped', now + this.#probeIntervalMs);
    }
  }

  #markAnswered(index: number): void {
    const endpoint = this.#endpoints[index] as Endpoint;
    if (endpoint.state !== 'available') this.#setState(endpoint, 'available', 0);
    const previous = this.#current;
    if (index === previous) return;
    this.#current = index;
    const from = (this.#endpoints[previous] as Endpoint).name;
    if (index > previous) {
      this.#options.onSwitch?.({
        from,
        to: endpoint.name,
        reason: (this.#endpoints[previous] as Endpoint).lastReason,
      });
    } else {
      this.#options.onFailback?.({ from, to: endpoint.name });
    }
    for (const e of [this.#endpoints[previous] as Endpoint, endpoint])
      this.#options.onStateChange?.(this.#statusOf(e));
  }

  #setState(endpoint: Endpoint, state: EndpointState, until: number): void {
    const changed = endpoint.state !== state;
    endpoint.state = state;
    endpoint.until = until;
    if (changed) this.#options.onStateChange?.(this.#statusOf(endpoint));
  }

  #statusOf(endpoint: Endpoint): EndpointStatus {
    return {
      name: endpoint.name,
      state: endpoint.state,
      until: endpoint.until,
      current: this.#endpoints[this.#current] === endpoint,
    };
  }

  status(): EndpointStatus[] {
    return this.#endpoints.map((e) => this.#statusOf(e));
  }

  async close(): Promise<void> {
    await Promise.all(this.#endpoints.map((e) => e.transport.close?.()));
  }
}

/** Sends each batch to the first available endpoint in priority order; see the state machine above. */
export function createFailoverTransport(
  endpoints: readonly Transport[],
  options: FailoverOptions = {},
): FailoverTransport {
  return new FailoverTransportImpl(endpoints, options);
}
