import type { SendResult, Transport } from '../src/transport.js';

/** A hand-written fake at the Transport seam: answers from a script, records every call. */
export class ScriptedTransport implements Transport {
  readonly url: string;
  readonly calls: Uint8Array[] = [];
  #script: SendResult[];
  #fallback: SendResult;

  constructor(url: string, script: SendResult[] = [], fallback: SendResult = { kind: 'ok' }) {
    this.url = url;
    this.#script = [...script];
    this.#fallback = fallback;
  }

  answer(...results: SendResult[]): void {
    this.#script.push(...results);
  }

  always(result: SendResult): void {
    this.#script = [];
    this.#fallback = result;
  }

  async send(body: Uint8Array): Promise<SendResult> {
    this.calls.push(body);
    return this.#script.shift() ?? this.#fallback;
  }
}

export class ManualClock {
  #now: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
