import { channel } from 'node:diagnostics_channel';

/**
 * Events published on `node:diagnostics_channel`, so users can hook in without patching anything.
 * Messages are plain objects; publishing costs nothing while no one subscribes.
 */
export const channels = {
  /** `{ signal, endpoint?, attempt, delayMs, reason }`: a send failed and will be tried again after delayMs. */
  retry: channel('lifeline:export:retry'),
  /** `{ signal, endpoint, items, durationMs }`: an endpoint accepted a batch. */
  exported: channel('lifeline:export:ok'),
  /** `{ signal, endpoint, rejected, message }`: an endpoint accepted a batch but rejected some items. */
  partial: channel('lifeline:export:partial'),
  /** `{ signal, endpoint?, status?, reason, items, deadLetterFile? }`: a batch was permanently rejected. */
  rejected: channel('lifeline:export:rejected'),
  /**
   * `{ signal, endpoint, compression: 'zstd' | 'gzip', reason? }`: with compression 'auto', what an
   * endpoint was found to take (once per change: the trial's answer, or a later refusal of zstd).
   */
  compression: channel('lifeline:export:compression'),
  /** `{ signal, from, to, reason }`: traffic moved to a lower-priority endpoint. */
  failoverSwitch: channel('lifeline:failover:switch'),
  /** `{ signal, from, to }`: traffic returned to a higher-priority endpoint that answered again. */
  failoverFailback: channel('lifeline:failover:failback'),
  /** `{ signal, endpoint, state, until? }`: an endpoint's fail-over state changed. */
  endpointState: channel('lifeline:endpoint:state'),
  /** `{ signal, directory, adopted, pendingRecords, openMs }`: the disk queue is open; records are durable from here on. */
  queueOpen: channel('lifeline:queue:open'),
  /** `{ signal, reason, items, records, bytes }`: items (log records, spans, data points) were dropped; records = queue records. */
  drop: channel('lifeline:queue:drop'),
  /**
   * `{ signal, state: 'durable' | 'degraded', reason?, memoryRecords, memoryBytes }`: the disk queue
   * stopped writing to disk (full, read-only, failing, gone; records go through memory) or resumed.
   */
  durability: channel('lifeline:queue:durability'),
  /**
   * `{ stage, ms, records, bytes }` per call of a stage of the durable pipeline, for profiling:
   * `encode` (SDK records → one OTLP fragment; records = log records, spans or data points),
   * `compress` (the fragment → its gzip member at rest) and `concat` (fragments → one request body)
   * from the exporter, `frame`, `write` and `read` from the disk queue. Wall time; a stage reads no clock while no one subscribes.
   */
  stage: channel('lifeline:stage'),
} as const;

/** A start time for a stage when someone listens to `lifeline:stage`, else -1. */
export function stageStart(): number {
  return channels.stage.hasSubscribers ? performance.now() : -1;
}

export function stageEnd(stage: string, started: number, records: number, bytes: number): void {
  if (started >= 0) channels.stage.publish({ stage, ms: performance.now() - started, records, bytes });
}

export function publish(ch: (typeof channels)[keyof typeof channels], message: object): void {
  if (ch.hasSubscribers) ch.publish(message);
}
