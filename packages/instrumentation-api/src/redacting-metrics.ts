import type { Attributes, Context } from '@opentelemetry/api';
import { createRedactor } from './redactor.js';
import type { RedactingProcessorOptions } from './redacting-log-record-processor.js';

/** The shape of `@opentelemetry/sdk-metrics`' `IAttributesProcessor` (2.x), without importing the SDK at run time. */
export interface MetricAttributesProcessor {
  process(incoming: Attributes, context?: Context): Attributes;
}

/**
 * An attributes processor for a metrics View that redacts every measurement's attributes before
 * they are aggregated, so two series never differ only by a secret and nothing raw reaches the
 * reader, the exporter or the queue:
 *
 *   new MeterProvider({ views: [{ instrumentName: '*', attributesProcessors: [createRedactingAttributesProcessor()] }] })
 *
 * The caller's attribute object is never changed: a copy is made when something is redacted.
 */
export function createRedactingAttributesProcessor(
  options: RedactingProcessorOptions = {},
): MetricAttributesProcessor {
  const redactor = options.redactor ?? createRedactor(options);
  return {
    process(incoming: Attributes): Attributes {
      return redactor.redactedAttributes(incoming as Record<string, unknown>) as Attributes;
    },
  };
}
