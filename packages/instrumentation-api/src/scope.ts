/** Instrumentation scope of every record and instrument this package creates. */
export const INSTRUMENTATION_SCOPE = '@otel-lifeline/instrumentation-api';
export const INSTRUMENTATION_VERSION = '0.1.0';
