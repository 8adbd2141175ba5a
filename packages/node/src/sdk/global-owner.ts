/**
 * One owner for the global providers. `@opentelemetry/api` keeps what was registered under
 * `Symbol.for('opentelemetry.js.api.1')` (one registry per API major, shared by every copy of the
 * API in the process); a second registration is refused with a "duplicate registration" error.
 * Lifeline asks first: when an application's own NodeSDK already registered a provider, Lifeline
 * leaves it in place instead of registering over it.
 */
const API_REGISTRY = Symbol.for('opentelemetry.js.api.1');

export type GlobalApi = 'trace' | 'metrics' | 'logs';

function isGlobalRegistered(api: GlobalApi): boolean {
  const registry = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[API_REGISTRY];
  return registry?.[api] !== undefined;
}

/** Registers a global provider with `register`, unless another SDK already did: then says so in one line. */
export function registerUnlessOwned<P>(
  api: GlobalApi,
  provider: P,
  register: (provider: P) => unknown,
  write: (line: string) => void,
): void {
  if (isGlobalRegistered(api)) write(ownedElsewhereLine(api));
  else register(provider);
}

function ownedElsewhereLine(api: GlobalApi): string {
  return `[lifeline] warn: the global ${api} provider is already registered (your own NodeSDK?); Lifeline leaves it in place and sends only its own ${api === 'logs' ? 'events' : api === 'trace' ? 'server spans' : 'metrics'} through its pipeline. Use one owner: either Lifeline (--import or start(), no NodeSDK) or your NodeSDK with Lifeline's processors and instrumentApi() (see the README)`;
}
