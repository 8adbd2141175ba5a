import { dirname } from 'node:path';
import type { InstrumentApiHandle } from '@otel-lifeline/instrumentation-api';
import type { Signal } from '../config/config-types.js';
import type { DeliveryReport, DeliveryTracker } from './delivery-tracker.js';
import type { ExitDeadline } from './exit-deadline.js';
import type { ExitHooks } from './exit-hooks.js';

export interface RunningProvider {
  signal: Signal;
  provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> };
}

export interface Lifecycle {
  /** The signal and exit hooks, removed by shutdown(). */
  hooks: ExitHooks | undefined;
  forceFlush(): Promise<DeliveryReport>;
  shutdown(): Promise<DeliveryReport>;
}

/** forceFlush() and shutdown() over every running part, bounded by one exit deadline. */
export function createLifecycle(parts: {
  api: InstrumentApiHandle | undefined;
  unregisters: ReadonlyArray<() => void>;
  providers: readonly RunningProvider[];
  tracker: DeliveryTracker;
  deadline: ExitDeadline;
  write: (line: string) => void;
}): Lifecycle {
  let shutdownPromise: Promise<DeliveryReport> | undefined;
  const lifecycle: Lifecycle = {
    hooks: undefined,
    async forceFlush(): Promise<DeliveryReport> {
      // The requests finished in this turn, reported in a batch at its end: in this flush.
      parts.api?.flushReports();
      await Promise.all(parts.providers.map((p) => p.provider.forceFlush().catch(() => undefined)));
      return parts.tracker.report();
    },
    shutdown(): Promise<DeliveryReport> {
      parts.deadline.begin();
      shutdownPromise ??= (async () => {
        lifecycle.hooks?.remove();
        await parts.api?.shutdown().catch(() => undefined);
        for (const unregister of parts.unregisters) unregister();
        await Promise.all(parts.providers.map((p) => p.provider.shutdown().catch(() => undefined)));
        const report = parts.tracker.report();
        if (report.pendingRecords > 0) parts.write(unsentLine(report));
        return report;
      })();
      return shutdownPromise;
    },
  };
  return lifecycle;
}

function unsentLine(report: DeliveryReport): string {
  const left = report.signals.filter((s) => s.pendingRecords > 0);
  const dirs = [...new Set(left.map((s) => dirname(s.queueDir)))].join(', ');
  return `[lifeline] warn: shutdown left ${report.pendingRecords} queue record(s) unsent by the deadline (${left.map((s) => `${s.signal} ${s.pendingRecords}`).join(', ')}); they stay on disk in ${dirs} and the next start sends them`;
}
