import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_ACCESS } from './api-events.js';
import type { ApiEvents, Severity } from './api-events.js';
import { capturedText, isTextContentType } from './body-capture.js';
import type { BodyCapture } from './body-capture.js';
import type { ResolvedOptions } from './options.js';
import type { Redactor } from './redactor.js';
import { formatMillis, responseHeader } from './request-attributes.js';
import type { RequestOutcome } from './request-outcome.js';
import type { ReplyHeaders } from './request-record.js';

export interface AccessEventOptions {
  config: ResolvedOptions;
  events: ApiEvents;
  redactor: Redactor;
  /** Whether a request is on an ignored path (health checks). */
  isIgnored(method: string, route: string | undefined, path: string): boolean;
  random: () => number;
}

/**
 * Emits `lifeline.api.access`, one per request: 4xx/5xx/aborted always; 1xx–3xx sampled by
 * `accessSampleRatio`; ignored paths left out unless 5xx. Comes last among a request's events:
 * it takes the outcome's shared attributes over.
 */
export function createAccessEvent(options: AccessEventOptions): (outcome: RequestOutcome) => void {
  const { config, events, redactor, isIgnored, random } = options;

  function captureHeaders(
    request: IncomingMessage,
    response: ServerResponse,
    replyHeaders: ReplyHeaders | undefined,
    attributes: Attributes,
  ): void {
    for (const name of config.requestHeaders) {
      const value = request.headers[name];
      if (value === undefined) continue;
      addRedacted(attributes, `http.request.header.${name}`, Array.isArray(value) ? value : [value]);
    }
    for (const name of config.responseHeaders) {
      const value = responseHeader(response, name, replyHeaders);
      if (value === undefined) continue;
      addRedacted(
        attributes,
        `http.response.header.${name}`,
        Array.isArray(value) ? value.map(String) : [String(value)],
      );
    }
  }

  /** The outcome's attributes passed the policy already; what the access event adds passes it here. */
  function addRedacted(attributes: Attributes, key: string, value: string | string[]): void {
    const clean = redactor.redactValue(value, key);
    if (clean !== undefined) attributes[key] = clean as string | string[];
  }

  function addBody(
    attributes: Attributes,
    side: 'request' | 'response',
    capture: BodyCapture,
    contentType: string | undefined,
  ): void {
    const { text, truncated } = capturedText(capture);
    addRedacted(attributes, `http.${side}.body.content`, redactor.redactBody(text, contentType));
    if (truncated) attributes[`lifeline.http.${side}.body.truncated`] = true;
  }

  return (outcome) => {
    const { request, response, record, facts, aborted, durationMs, route } = outcome;
    const status = facts.status;
    const failed = aborted || status >= 400;
    if (status < 500 && isIgnored(facts.method, route, facts.path)) return;
    if (!failed && config.accessSampleRatio < 1 && random() >= config.accessSampleRatio) return;
    const access = outcome.attributes;
    access['lifeline.http.duration_ms'] = Math.round(durationMs * 1000) / 1000;
    if (outcome.requestSize !== undefined) access['http.request.body.size'] = outcome.requestSize;
    if (outcome.responseSize !== undefined) access['http.response.body.size'] = outcome.responseSize;
    if (config.requestHeaders.length > 0 || config.responseHeaders.length > 0)
      captureHeaders(request, response, record.replyHeaders, access);
    if (record.requestBody !== undefined && record.requestBody.kept > 0) {
      addBody(access, 'request', record.requestBody, request.headers['content-type']);
    }
    if (record.responseBody !== undefined && record.responseBody.kept > 0) {
      const type = responseHeader(response, 'content-type', record.replyHeaders);
      if (typeof type === 'string' && isTextContentType(type))
        addBody(access, 'response', record.responseBody, type);
    }
    const severity: Severity = status >= 500 || aborted ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO';
    const line = `${facts.method} ${route ?? facts.path} ${aborted ? 'aborted' : status} ${formatMillis(durationMs)} ms`;
    events.emit(EVENT_ACCESS, severity, line, access, outcome, true);
  };
}
