import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import type { PropagatorName } from '../config/otel-env.js';

/**
 * What `NodeTracerProvider.register()` did on the 2.x line, which the 3.x line's `TracerProvider`
 * leaves to the caller: an AsyncLocalStorage context manager, the propagators OTEL_PROPAGATORS
 * names (W3C trace context and baggage by default; none for `none`), and the provider as the
 * global one.
 */
export function registerTracerProvider(
  provider: TracerProvider,
  propagators: readonly PropagatorName[],
): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (propagators.length > 0)
    propagation.setGlobalPropagator(
      new CompositePropagator({
        propagators: propagators.map((name) =>
          name === 'tracecontext' ? new W3CTraceContextPropagator() : new W3CBaggagePropagator(),
        ),
      }),
    );
  trace.setGlobalTracerProvider(provider);
}
