import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { ApiEvents, EventSubject, Severity } from './api-events.js';
import { createBruteForceDetector } from './brute-force-detector.js';
import type { BruteForceOptions } from './brute-force-detector.js';
import { argumentError } from './errors.js';
import type { Redactor } from './redactor.js';
import type { RequestDescription, RequestOutcome } from './request-outcome.js';
import type { RouteMatcher } from './route-pattern.js';

export interface SecurityEventInput {
  /** OWASP Logging Vocabulary name, e.g. `authn_login_fail`, `authz_fail`, `input_validation_fail`; emitted as `lifeline.security.<name>`. */
  name: string;
  /** The request it concerns: adds the request's attributes, client and trace context. */
  request?: IncomingMessage;
  /** Default WARN. */
  severity?: Severity;
  /** Short display line; default the event name. */
  message?: string;
  attributes?: Attributes;
}

export interface SecurityEventsOptions {
  events: ApiEvents;
  redactor: Redactor;
  /** Routes where any 4xx counts as a failed login (401 always does). */
  isLoginRoute: RouteMatcher;
  bruteForce: Required<BruteForceOptions> | false;
  /** Wall clock in ms, for the brute-force window. */
  clock: { now(): number };
  describe(request: IncomingMessage | undefined): RequestDescription;
}

export interface SecurityEvents {
  /** `authn_login_fail` (401, or any 4xx on a login route), `authz_fail` (403), `excess_rate_limit_exceeded` (429). */
  fromOutcome(outcome: RequestOutcome): void;
  /** An event the app detected itself (`handle.reportSecurityEvent`). */
  report(event: SecurityEventInput): void;
}

/**
 * Security events in the OWASP Logging Vocabulary, each counted in `lifeline.security.events`.
 * Failed logins also feed the brute-force detector, which emits `authn_login_fail_max` when one
 * client passes the threshold within the window.
 */
export function createSecurityEvents(options: SecurityEventsOptions): SecurityEvents {
  const { events, redactor, isLoginRoute, bruteForce, clock, describe } = options;
  const detector = bruteForce === false ? undefined : createBruteForceDetector(bruteForce);

  function loginFailure(client: string | undefined, base: Attributes, about: EventSubject): void {
    if (detector === undefined || client === undefined || bruteForce === false) return;
    const failures = detector.fail(client, clock.now());
    if (failures === 0) return;
    const attributes: Attributes = {
      'client.address': client,
      'lifeline.security.failure_count': failures,
      'lifeline.security.window_ms': bruteForce.windowMs,
    };
    if (base['user.id'] !== undefined) attributes['user.id'] = base['user.id'];
    events.security(
      'authn_login_fail_max',
      'ERROR',
      `${failures} authentication failures from one client within ${bruteForce.windowMs} ms`,
      attributes,
      about,
    );
  }

  return {
    fromOutcome(outcome) {
      const { facts, attributes: base } = outcome;
      const status = facts.status;
      if (status < 400 || status >= 500) return;
      const target = `${facts.method} ${facts.route ?? facts.path}`;
      if (status === 401 || isLoginRoute(facts.method, facts.route, facts.path)) {
        events.security(
          'authn_login_fail',
          'WARN',
          `authentication failed: ${target} ${status}`,
          { ...base },
          outcome,
        );
        loginFailure(facts.clientAddress, base, outcome);
      } else if (status === 403) {
        events.security('authz_fail', 'WARN', `authorization failed: ${target}`, { ...base }, outcome);
      } else if (status === 429) {
        events.security(
          'excess_rate_limit_exceeded',
          'WARN',
          `rate limit exceeded: ${target}`,
          { ...base },
          outcome,
        );
      }
    },
    report(event) {
      if (event === null || typeof event !== 'object')
        throw argumentError('event', event, '{ name, request?, severity?, message?, attributes? }');
      if (typeof event.name !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(event.name)) {
        throw argumentError(
          'event.name',
          event.name,
          'an OWASP vocabulary name in snake_case, such as authn_login_fail (no user data in it)',
        );
      }
      const severity = event.severity ?? 'WARN';
      const description = describe(event.request);
      const { attributes } = description;
      // The app's attributes pass through the redaction policy with the rest, in `events.emit`.
      if (event.attributes !== undefined) Object.assign(attributes, event.attributes);
      // Read before emitting: the attributes belong to the event from then on.
      const client = attributes['client.address'] as string | undefined;
      const identity: Attributes =
        attributes['user.id'] === undefined ? {} : { 'user.id': attributes['user.id'] };
      events.security(
        event.name,
        severity,
        String(redactor.redactField('log.body', event.message ?? event.name) ?? ''),
        attributes,
        description,
      );
      if (event.name === 'authn_login_fail') loginFailure(client, identity, description);
    },
  };
}
