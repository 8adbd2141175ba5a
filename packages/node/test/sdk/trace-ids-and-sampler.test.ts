import { ROOT_CONTEXT, SamplingDecision, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ParentBasedSampler, RandomIdGenerator, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { PooledIdGenerator } from '../../src/sdk/pooled-id-generator.js';
import { buildSampler } from '../../src/sdk/register-tracer-provider.js';

describe('PooledIdGenerator', () => {
  it('gives lowercase hex ids of 32 and 16 digits, all different, across many refills of its pool', () => {
    const ids = new PooledIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const traceId = ids.generateTraceId();
      const spanId = ids.generateSpanId();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      seen.add(traceId).add(spanId);
    }
    expect(seen.size).toBe(10_000);
  });

  it('skips an all-zero id, which W3C trace context calls invalid', () => {
    let fills = 0;
    // The first pool is all zeros; the next ones count up from 1 in every byte.
    const ids = new PooledIdGenerator((bytes) => bytes.fill(fills++ === 0 ? 0 : fills - 1));
    expect(ids.generateTraceId()).toBe('01'.repeat(16));
    expect(ids.generateSpanId()).toBe('01'.repeat(8));
    expect(fills).toBe(2);
  });
});

describe('buildSampler', () => {
  const idGenerator = new RandomIdGenerator();
  const traceIds = Array.from({ length: 2000 }, () => idGenerator.generateTraceId());
  const parent = (traceFlags: TraceFlags, isRemote: boolean): Context =>
    trace.setSpanContext(ROOT_CONTEXT, {
      traceId: idGenerator.generateTraceId(),
      spanId: idGenerator.generateSpanId(),
      traceFlags,
      isRemote,
    });
  const parents: Array<[string, Context]> = [
    ['no parent', ROOT_CONTEXT],
    ['a sampled remote parent', parent(TraceFlags.SAMPLED, true)],
    ['a remote parent not sampled', parent(TraceFlags.NONE, true)],
    ['a sampled local parent', parent(TraceFlags.SAMPLED, false)],
    ['a local parent not sampled', parent(TraceFlags.NONE, false)],
  ];
  const decisions = (sampler: Sampler, context: Context) =>
    traceIds.map((id) => sampler.shouldSample(context, id, 'GET', SpanKind.SERVER, {}, []).decision);

  for (const ratio of [0, 0.25, 1]) {
    it(`decides as the SDK's trace id ratio samplers do at ratio ${ratio}, with and without a parent`, () => {
      for (const [what, context] of parents) {
        expect(decisions(buildSampler('traceidratio', ratio), context), `traceidratio, ${what}`).toEqual(
          decisions(new TraceIdRatioBasedSampler(ratio), context),
        );
        expect(
          decisions(buildSampler('parentbased_traceidratio', ratio), context),
          `parentbased_traceidratio, ${what}`,
        ).toEqual(decisions(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }), context));
      }
    });
  }

  it('samples some of the traces and not others at a ratio between 0 and 1', () => {
    const made = decisions(buildSampler('parentbased_traceidratio', 0.25), ROOT_CONTEXT);
    const sampled = made.filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED).length;
    expect(sampled).toBeGreaterThan(300);
    expect(sampled).toBeLessThan(700);
  });
});
