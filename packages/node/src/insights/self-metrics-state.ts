/**
 * Lifeline's own metrics as the live view shows them: the latest value of each series
 * (a gauge, or a cumulative counter) keyed by the sending process and the point's attributes;
 * delta counters are added up. Series are told apart by `service.instance.id` when present.
 */
export interface SelfMetricsView {
  queues: Array<{
    service: string;
    signal: string;
    bytes: number;
    records: number;
    oldestAgeSeconds: number;
  }>;
  endpoints: Array<{ service: string; endpoint: string; state: string }>;
  dropped: Array<{ reason: string; records: number }>;
  failovers: { switch: number; failback: number };
  retries: number;
}

interface PointLine {
  metric?: string;
  temporality?: string;
  value?: unknown;
  attributes?: Record<string, unknown>;
  resource?: Record<string, unknown>;
}

export interface SelfMetricsState {
  add(line: PointLine): void;
  readonly series: Map<
    string,
    Map<string, { attributes: Record<string, unknown>; service: string; value: number }>
  >;
}

const TRACKED = new Set([
  'lifeline.queue.bytes',
  'lifeline.queue.records',
  'lifeline.queue.oldest_age',
  'lifeline.endpoint.state',
  'lifeline.queue.dropped',
  'lifeline.failover.switches',
  'lifeline.export.retries',
]);

export function createSelfMetricsState(): SelfMetricsState {
  const series: SelfMetricsState['series'] = new Map();
  return {
    series,
    add(line) {
      if (line.metric === undefined || !TRACKED.has(line.metric)) return;
      const value = Number(line.value);
      if (!Number.isFinite(value)) return;
      const attributes = line.attributes ?? {};
      const resource = line.resource ?? {};
      const service = String(resource['service.name'] ?? 'unknown_service');
      const key = `${String(resource['service.instance.id'] ?? service)}\u0000${JSON.stringify(attributes)}`;
      let byKey = series.get(line.metric);
      if (!byKey) series.set(line.metric, (byKey = new Map()));
      const previous = byKey.get(key);
      const next = line.temporality === 'delta' && previous ? previous.value + value : value;
      byKey.set(key, { attributes, service, value: next });
    },
  };
}

export function selfMetricsOf(state: SelfMetricsState): SelfMetricsView {
  const points = (metric: string) => [...(state.series.get(metric)?.values() ?? [])];
  const queues = new Map<string, SelfMetricsView['queues'][number]>();
  const queue = (service: string, attributes: Record<string, unknown>) => {
    const signal = String(attributes['lifeline.signal'] ?? '');
    const key = `${service}\u0000${signal}`;
    let row = queues.get(key);
    if (!row) queues.set(key, (row = { service, signal, bytes: 0, records: 0, oldestAgeSeconds: 0 }));
    return row;
  };
  for (const p of points('lifeline.queue.bytes')) queue(p.service, p.attributes).bytes += p.value;
  for (const p of points('lifeline.queue.records')) queue(p.service, p.attributes).records += p.value;
  for (const p of points('lifeline.queue.oldest_age')) {
    const row = queue(p.service, p.attributes);
    row.oldestAgeSeconds = Math.max(row.oldestAgeSeconds, p.value);
  }
  const endpoints = points('lifeline.endpoint.state')
    .filter((p) => p.value === 1)
    .map((p) => ({
      service: p.service,
      endpoint: String(p.attributes['url.full'] ?? p.attributes['lifeline.endpoint'] ?? ''),
      state: String(p.attributes['lifeline.endpoint.state'] ?? ''),
    }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint));
  const dropped = new Map<string, number>();
  for (const p of points('lifeline.queue.dropped')) {
    const reason = String(p.attributes['lifeline.drop.reason'] ?? 'unknown');
    dropped.set(reason, (dropped.get(reason) ?? 0) + p.value);
  }
  const failovers = { switch: 0, failback: 0 };
  for (const p of points('lifeline.failover.switches')) {
    if (p.attributes['lifeline.failover.direction'] === 'failback') failovers.failback += p.value;
    else failovers.switch += p.value;
  }
  return {
    queues: [...queues.values()].sort(
      (a, b) => a.service.localeCompare(b.service) || a.signal.localeCompare(b.signal),
    ),
    endpoints,
    dropped: [...dropped].map(([reason, records]) => ({ reason, records })),
    failovers,
    retries: points('lifeline.export.retries').reduce((sum, p) => sum + p.value, 0),
  };
}
