import { createRequire } from 'node:module';
import { createNoopMeter } from '@opentelemetry/api';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { ResolvedConfig } from '../config/config-types.js';

const noopMeterProvider: MeterProvider = { getMeter: () => createNoopMeter() };

/**
 * The standard http instrumentation, for client spans and trace-context propagation on outgoing
 * requests, and for server spans only when the API instrumentation does not start them itself
 * (`incoming`: it is off). Its own metrics are off (the API instrumentation records the semconv
 * HTTP metrics with the route). Returns the unregister call.
 */
export function registerHttpInstrumentation(
  config: ResolvedConfig,
  tracerProvider: TracerProvider,
  incoming: boolean,
): () => void {
  // Our own export requests must not become spans (each export would create more to export).
  const exportTargets = config.endpoints.flatMap((e) => Object.values(e.signals).map((s) => new URL(s.url)));
  const isExport = (options: {
    hostname?: string | null;
    host?: string | null;
    port?: string | number | null;
    path?: string | null;
  }) => {
    const host = options.hostname ?? options.host?.split(':')[0];
    const path = (options.path ?? '/').split('?')[0];
    return exportTargets.some(
      (u) =>
        u.hostname === host &&
        String(options.port ?? (u.protocol === 'https:' ? 443 : 80)) ===
          (u.port || (u.protocol === 'https:' ? '443' : '80')) &&
        u.pathname === path,
    );
  };
  const http = new HttpInstrumentation({
    ignoreOutgoingRequestHook: (request) => isExport(request),
    disableIncomingRequestInstrumentation: !incoming,
  });
  const unregister = registerInstrumentations({ instrumentations: [http], tracerProvider });
  http.setMeterProvider(noopMeterProvider);
  // The http instrumentation patches when `http` is required; ESM apps import the built-in
  // without require(), so load it once here, after the hook is in place.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  return unregister;
}
