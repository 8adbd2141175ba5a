import type { Attributes } from '@opentelemetry/api';

/** The two attribute limits the OpenTelemetry JS Logs and Trace SDKs apply to a record or a span. */
export interface AttributeLimits {
  attributeCountLimit: number;
  attributeValueLengthLimit: number;
}

/**
 * The number of attributes when every value is a primitive the SDK would keep as it is (no drop,
 * no truncation), else -1. The Logs and Trace SDKs apply the same two limits.
 */
export function countWithinLimits(attributes: Attributes, limits: AttributeLimits): number {
  let count = 0;
  const maxLength = limits.attributeValueLengthLimit;
  for (const key in attributes) {
    const value = attributes[key];
    if (typeof value === 'string') {
      if (value.length > maxLength) return -1;
    } else if (typeof value !== 'number' && typeof value !== 'boolean') return -1;
    count++;
  }
  return count <= limits.attributeCountLimit ? count : -1;
}
