import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ViewOptions } from '@opentelemetry/sdk-metrics';
import { createRedactingAttributesProcessor, createRedactor } from '@otel-lifeline/instrumentation-api';
import type { RedactionOptions, Redactor } from '@otel-lifeline/instrumentation-api';

/**
 * One redaction policy for every signal, applied before the durable queue:
 *
 *   resource ──────────────► redacted once, when built
 *   log records ───────────► redacting log record processor (the app's; ours are redacted as built)
 *   spans ─────────────────► redacting span processor (name, attributes, events, links, status)
 *   metric measurements ───► a wildcard view's attributes processor (before aggregation)
 *   HTTP server histograms ► the producer's series attributes (once per series)
 */
export interface SignalRedaction {
  readonly options: RedactionOptions;
  readonly redactor: Redactor;
  resource(resource: Resource): Resource;
  readonly metricViews: ViewOptions[];
}

export function createSignalRedaction(options: RedactionOptions): SignalRedaction {
  const redactor = createRedactor(options);
  return {
    options,
    redactor,
    resource(resource) {
      const attributes = redactor.redactedAttributes(resource.attributes as Record<string, unknown>);
      return attributes === resource.attributes ? resource : resourceFromAttributes(attributes as Attributes);
    },
    metricViews: [
      { instrumentName: '*', attributesProcessors: [createRedactingAttributesProcessor({ redactor })] },
    ],
  };
}
