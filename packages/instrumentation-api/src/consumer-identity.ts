import { diag } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { ConsumerIdentity } from './options.js';
import { pseudonym } from './redactor.js';

/** The consumer's attributes for a request (`user.id`, tenant, API key hash), or undefined. */
export type ConsumerAttributes = (request: IncomingMessage) => Attributes | undefined;

/**
 * Calls the app's `identify(request)` and turns its answer into attributes. An API key is never
 * recorded raw: only its HMAC under `hashKey`, and nothing without a key. A throwing `identify`
 * leaves the consumer out (warned once).
 */
export function createConsumerAttributes(
  identify: ((request: IncomingMessage) => ConsumerIdentity | undefined) | undefined,
  hashKey: Uint8Array | undefined,
): ConsumerAttributes {
  let warnedNoHashKey = false;
  let warnedIdentify = false;
  return (request) => {
    if (identify === undefined) return undefined;
    let identity;
    try {
      identity = identify(request);
    } catch (error) {
      if (!warnedIdentify)
        diag.warn('lifeline instrumentation-api: identify() threw; consumer left out', error);
      warnedIdentify = true;
      return undefined;
    }
    if (identity === undefined || identity === null) return undefined;
    const out: Attributes = {};
    if (typeof identity.userId === 'string' && identity.userId.length > 0) out['user.id'] = identity.userId;
    if (typeof identity.tenantId === 'string' && identity.tenantId.length > 0)
      out['lifeline.consumer.tenant_id'] = identity.tenantId;
    if (typeof identity.apiKey === 'string' && identity.apiKey.length > 0) {
      if (hashKey !== undefined) out['lifeline.consumer.api_key_hash'] = pseudonym(hashKey, identity.apiKey);
      else if (!warnedNoHashKey) {
        warnedNoHashKey = true;
        diag.warn(
          'lifeline instrumentation-api: identify() returned an apiKey but no consumerHashKey is set; the key is left out',
        );
      }
    }
    return out;
  };
}
