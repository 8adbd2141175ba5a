import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { Sampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { PropagatorName, SamplerName } from '../config/config-types.js';

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

/** OTEL_TRACES_SAMPLER as the specification names them; `ratio` is OTEL_TRACES_SAMPLER_ARG. */
export function buildSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}
