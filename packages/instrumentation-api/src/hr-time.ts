import type { HrTime } from '@opentelemetry/api';

/** Epoch milliseconds as the SDKs' `[seconds, nanoseconds]` pair. */
export function hrTimeFromMillis(ms: number): HrTime {
  const seconds = Math.trunc(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
