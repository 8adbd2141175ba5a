import type { Attributes, BatchObservableCallback, Meter, MeterProvider } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import type { Signal } from '@otel-lifeline/otlp';
import type { EndpointStatus } from './failover-transport.js';
import { createInstruments } from './instrument-table.js';

/**
 * Self-metrics. Semantic-convention SDK metrics where they exist, `lifeline.*` for the rest:
 *
 *   otel.sdk.processor.{log,span}.processed          {log_record}|{span}  items taken by the durable processor; error.type on drops
 *   otel.sdk.exporter.{log,span,metric_data_point}.exported                 items answered by an endpoint; error.type when rejected
 *   otel.sdk.exporter.{log,span,metric_data_point}.inflight                 items in a request now
 *   otel.sdk.exporter.operation.duration             s        one HTTP attempt; http.response.status_code, error.type
 *   lifeline.queue.bytes / .records / .oldest_age    By, {record}, s   disk queue backlog (records = queued fragments)
 *   lifeline.queue.dropped                           {item}    items dropped, by lifeline.drop.reason
 *   lifeline.queue.items / .durable                  {item}, 1 items queued (processed = exported + dropped + queued); 0 while degraded
 *   lifeline.export.retries                          {retry}   waits before sending a batch again
 *   lifeline.failover.switches                       {switch}  lifeline.failover.direction = switch | failback
 *   lifeline.endpoint.state                          1         1 for the endpoint's present state (available|skipped|throttled)
 */
export interface SelfMetrics {
  processed(count: number, errorType?: string): void;
  exported(count: number, endpoint: string, errorType?: string): void;
  inflight(delta: number, endpoint: string): void;
  operation(seconds: number, endpoint: string, status: number | undefined, errorType?: string): void;
  dropped(reason: string, records: number): void;
  retry(endpoint: string, reason: string): void;
  failover(direction: 'switch' | 'failback', from: string, to: string): void;
  observeQueue(read: () => QueueObservation | undefined): void;
  observeEndpoints(read: () => EndpointStatus[]): void;
  shutdown(): void;
}

export interface QueueObservation {
  pendingBytes: number;
  pendingRecords: number;
  oldestAgeMs: number;
  /** Items (log records, spans, data points) appended and not yet answered for or dropped. */
  queuedItems: number;
  /** false while the queue is degraded (the disk refuses writes; records go through memory). */
  durable: boolean;
}

const ITEM: Record<Signal, { name: string; unit: string }> = {
  logs: { name: 'log', unit: '{log_record}' },
  traces: { name: 'span', unit: '{span}' },
  metrics: { name: 'metric_data_point', unit: '{data_point}' },
};

const componentCounters = new Map<string, number>();

export function createSelfMetrics(options: {
  signal: Signal;
  componentType: string;
  meterProvider?: MeterProvider;
}): SelfMetrics {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
    '@otel-lifeline/exporter',
    '0.1.0',
  );
  const n = componentCounters.get(options.componentType) ?? 0;
  componentCounters.set(options.componentType, n + 1);
  const component: Attributes = {
    'otel.component.type': options.componentType,
    'otel.component.name': `${options.componentType}/${n}`,
  };
  const serverAttributes = new Map<string, Attributes>();
  const endpointAttributes = (endpoint: string): Attributes => {
    let attributes = serverAttributes.get(endpoint);
    if (!attributes) {
      attributes = { ...component };
      try {
        const url = new URL(endpoint);
        attributes['server.address'] = url.hostname;
        attributes['server.port'] = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
        attributes['url.full'] = endpoint;
      } catch {
        attributes['lifeline.endpoint'] = endpoint;
      }
      serverAttributes.set(endpoint, attributes);
    }
    return attributes;
  };

  const {
    processed,
    exported,
    inflight,
    duration,
    dropped,
    retries,
    switches,
    queueItems,
    queueDurable,
    queueBytes,
    queueRecords,
    queueAge,
    endpointState,
  } = selfInstruments(meter, options.signal);

  const signalAttributes: Attributes = { ...component, 'lifeline.signal': options.signal };
  let readQueue: Parameters<SelfMetrics['observeQueue']>[0] | undefined;
  const readEndpoints: Array<() => EndpointStatus[]> = [];
  const observables = [queueBytes, queueRecords, queueAge, queueItems, queueDurable, endpointState];
  const batch: BatchObservableCallback = (observer) => {
    const stats = readQueue?.();
    if (stats) {
      observer.observe(queueBytes, stats.pendingBytes, signalAttributes);
      observer.observe(queueRecords, stats.pendingRecords, signalAttributes);
      observer.observe(queueAge, stats.oldestAgeMs / 1000, signalAttributes);
      observer.observe(queueItems, stats.queuedItems, signalAttributes);
      observer.observe(queueDurable, stats.durable ? 1 : 0, signalAttributes);
    }
    for (const read of readEndpoints) {
      for (const status of read()) {
        for (const state of ['available', 'skipped', 'throttled'] as const) {
          observer.observe(endpointState, status.state === state ? 1 : 0, {
            ...endpointAttributes(status.name),
            'lifeline.endpoint.state': state,
          });
        }
      }
    }
  };
  meter.addBatchObservableCallback(batch, observables);

  return {
    processed(count, errorType) {
      processed?.add(count, errorType ? { ...component, 'error.type': errorType } : component);
    },
    exported(count, endpoint, errorType) {
      const attributes = endpointAttributes(endpoint);
      exported.add(count, errorType ? { ...attributes, 'error.type': errorType } : attributes);
    },
    inflight(delta, endpoint) {
      inflight.add(delta, endpointAttributes(endpoint));
    },
    operation(seconds, endpoint, status, errorType) {
      const attributes: Attributes = { ...endpointAttributes(endpoint) };
      if (status !== undefined) attributes['http.response.status_code'] = status;
      if (errorType) attributes['error.type'] = errorType;
      duration.record(seconds, attributes);
    },
    dropped(reason, records) {
      dropped.add(records, { ...signalAttributes, 'lifeline.drop.reason': reason });
    },
    retry(endpoint, reason) {
      retries.add(1, { ...endpointAttributes(endpoint), 'error.type': reason });
    },
    failover(direction, from, to) {
      switches.add(1, {
        ...signalAttributes,
        'lifeline.failover.direction': direction,
        'lifeline.failover.from': from,
        'lifeline.failover.to': to,
      });
    },
    observeQueue(read) {
      readQueue = read;
    },
    observeEndpoints(read) {
      readEndpoints.push(read);
    },
    shutdown() {
      meter.removeBatchObservableCallback(batch, observables);
    },
  };
}

/**
 * The counters, the histogram and the gauges (observed together in one batch callback), named
 * after the signal's items.
 */
function selfInstruments(meter: Meter, signal: Signal) {
  const item = ITEM[signal];
  return createInstruments(meter, {
    processed:
      signal === 'metrics'
        ? undefined
        : [
            'counter',
            `otel.sdk.processor.${item.name}.processed`,
            item.unit,
            'Items handed to the durable processor: queued, or dropped (error.type says why).',
          ],
    exported: [
      'counter',
      `otel.sdk.exporter.${item.name}.exported`,
      item.unit,
      'Items for which an endpoint answered: accepted, or rejected (error.type says why).',
    ],
    inflight: [
      'upDownCounter',
      `otel.sdk.exporter.${item.name}.inflight`,
      item.unit,
      'Items in a request that has not been answered yet.',
    ],
    duration: [
      'histogram',
      'otel.sdk.exporter.operation.duration',
      's',
      'Duration of one send of a batch to one endpoint.',
    ],
    // One unit for every signal (one instrument name must keep one unit); lifeline.signal tells
    // log records, spans and data points apart.
    dropped: [
      'counter',
      'lifeline.queue.dropped',
      '{item}',
      'Items (log records, spans, data points) dropped, by lifeline.drop.reason.',
    ],
    retries: ['counter', 'lifeline.export.retries', '{retry}', 'Backoff waits before a batch is sent again.'],
    switches: [
      'counter',
      'lifeline.failover.switches',
      '{switch}',
      'Traffic moves between endpoints (lifeline.failover.direction = switch | failback).',
    ],
    queueItems: [
      'observableGauge',
      'lifeline.queue.items',
      '{item}',
      'Items queued (on disk or, while degraded, in memory) and not yet answered for: processed = exported + dropped + queued.',
    ],
    queueDurable: [
      'observableGauge',
      'lifeline.queue.durable',
      '1',
      '1 while records are written to disk; 0 while degraded (the disk refuses writes; records go through memory).',
    ],
    queueBytes: ['observableGauge', 'lifeline.queue.bytes', 'By', 'Bytes waiting in the disk queue.'],
    queueRecords: [
      'observableGauge',
      'lifeline.queue.records',
      '{record}',
      'Records (fragments) waiting in the disk queue.',
    ],
    queueAge: ['observableGauge', 'lifeline.queue.oldest_age', 's', 'Age of the oldest record waiting.'],
    endpointState: [
      'observableGauge',
      'lifeline.endpoint.state',
      '1',
      "1 for each endpoint's present fail-over state (available, skipped, throttled), 0 for the others.",
    ],
  });
}
