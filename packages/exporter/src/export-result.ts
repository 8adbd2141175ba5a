/**
 * The result an SDK exporter hands back: `ExportResult` and `ExportResultCode` of
 * `@opentelemetry/core`, the same values on the 2.x and 3.x lines. Declared here so the exporters
 * work with either line's SDK without depending on a core whose line must match the application's.
 */
export const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const;

export interface ExportResult {
  code: (typeof ExportResultCode)[keyof typeof ExportResultCode];
  error?: Error;
}
