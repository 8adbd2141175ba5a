import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { EVENT_AUDIT } from './api-events.js';
import type { ApiEvents } from './api-events.js';
import { argumentError } from './errors.js';
import type { AuditRule } from './options.js';
import type { Redactor } from './redactor.js';
import type { RequestDescription, RequestOutcome } from './request-outcome.js';
import { compileRoutePatterns } from './route-pattern.js';

export interface AuditEventInput {
  /** What was done: `read`, `export`, `delete`… */
  action: string;
  /** What it was done to (a route, a record type: no personal data). */
  resource: string;
  outcome: 'success' | 'failure';
  /** Who did it; default from `identify(request)`. */
  userId?: string;
  request?: IncomingMessage;
  attributes?: Attributes;
}

export interface AuditEventsOptions {
  events: ApiEvents;
  redactor: Redactor;
  /** Requests that produce audit events (the `audit` option). */
  rules: readonly AuditRule[] | undefined;
  describe(request: IncomingMessage | undefined): RequestDescription;
}

export interface AuditEvents {
  /** One event for a request matching an audit rule (the first rule that matches). */
  fromOutcome(outcome: RequestOutcome): void;
  /** An event the app decided on itself (`handle.reportAudit`). */
  report(event: AuditEventInput): void;
}

const ACTION_BY_METHOD: Record<string, string> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};

/** `lifeline.audit.data_access` events: who did what to which resource, and whether it succeeded. */
export function createAuditEvents(options: AuditEventsOptions): AuditEvents {
  const { events, describe } = options;
  const rules = (options.rules ?? []).map((rule, i) => {
    if (rule === null || typeof rule !== 'object')
      throw argumentError(`audit[${i}]`, rule, '{ route, action? }');
    return { matches: compileRoutePatterns(`audit[${i}].route`, [rule.route]), action: rule.action };
  });

  return {
    fromOutcome(finished) {
      const { facts, attributes: base } = finished;
      for (const rule of rules) {
        if (!rule.matches(facts.method, facts.route, facts.path)) continue;
        const action = rule.action ?? ACTION_BY_METHOD[facts.method] ?? 'access';
        const resource = facts.route ?? facts.path;
        const outcome = facts.status < 400 ? 'success' : 'failure';
        const attributes: Attributes = {
          ...base,
          'lifeline.audit.action': action,
          'lifeline.audit.resource': resource,
          'lifeline.audit.outcome': outcome,
        };
        events.emit(
          EVENT_AUDIT,
          'INFO',
          `${String(base['user.id'] ?? 'anonymous')} ${action} ${resource}: ${outcome}`,
          attributes,
          finished,
        );
        return;
      }
    },
    report(event) {
      if (event === null || typeof event !== 'object')
        throw argumentError('event', event, '{ action, resource, outcome, userId?, request?, attributes? }');
      if (typeof event.action !== 'string' || event.action.length === 0)
        throw argumentError('event.action', event.action, 'a non-empty string');
      if (typeof event.resource !== 'string' || event.resource.length === 0)
        throw argumentError('event.resource', event.resource, 'a non-empty string');
      if (event.outcome !== 'success' && event.outcome !== 'failure')
        throw argumentError('event.outcome', event.outcome, "'success' or 'failure'");
      const description = describe(event.request);
      const { attributes } = description;
      // The app's attributes pass through the redaction policy with the rest, in `events.emit`.
      if (event.attributes !== undefined) Object.assign(attributes, event.attributes);
      if (event.userId !== undefined) attributes['user.id'] = event.userId;
      attributes['lifeline.audit.action'] = event.action;
      attributes['lifeline.audit.resource'] = event.resource;
      attributes['lifeline.audit.outcome'] = event.outcome;
      events.emit(
        EVENT_AUDIT,
        'INFO',
        `${String(attributes['user.id'] ?? 'anonymous')} ${event.action} ${event.resource}: ${event.outcome}`,
        attributes,
        description,
      );
    },
  };
}
