import { createLatencySample, type LatencySample } from './latency-sample.js';
import { createTimeWindow, type TimeWindow } from './time-window.js';
import { selfMetricsOf, type SelfMetricsView, createSelfMetricsState } from './self-metrics-state.js';

/**
 * What the live view shows, computed from the receiver's JSON lines (the `toJsonLines` format):
 *
 *   lifeline.api.access            → requests, 4xx, 5xx, latency by route; top routes; consumers
 *   lifeline.security.*            → security counts and per-second series by kind
 *   lifeline.audit.data_access     → the audit trail (newest first, bounded)
 *   lifeline.* self-metric points  → queue backlog, endpoint state, drops, fail-overs, retries
 *
 * Totals count every event ever added; the per-second series cover the last `windowSeconds`.
 * Memory is bounded: routes and consumers by `maxKeys` (the rest count under "(other)"),
 * durations by `latencySample` per route, the audit trail by `auditLimit`.
 */
export interface InsightsLine {
  signal?: string;
  time?: string;
  observedTime?: string;
  eventName?: string;
  attributes?: Record<string, unknown>;
  resource?: Record<string, unknown>;
  metric?: string;
  type?: string;
  value?: unknown;
}

export const SECURITY_KINDS = {
  'lifeline.security.authn_login_fail': 'authn',
  'lifeline.security.authz_fail': 'authz',
  'lifeline.security.excess_rate_limit_exceeded': 'rateLimit',
  'lifeline.security.authn_login_fail_max': 'bruteForce',
} as const;
export type SecurityKind = (typeof SECURITY_KINDS)[keyof typeof SECURITY_KINDS];
const KINDS: readonly SecurityKind[] = ['authn', 'authz', 'rateLimit', 'bruteForce'];

export interface RouteRow {
  route: string;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  errorRatio: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface AuditRow {
  time: string;
  user: string;
  tenant: string;
  action: string;
  resource: string;
  outcome: string;
  status: number | null;
  client: string;
}

export interface InsightsSnapshot {
  generatedAt: string;
  window: { endSecond: number; seconds: number };
  totals: {
    requests: number;
    clientErrors: number;
    serverErrors: number;
    exceptions: number;
    audit: number;
    security: Record<SecurityKind, number>;
  };
  series: { requests: number[]; serverErrors: number[]; security: Record<SecurityKind, number[]> };
  routes: RouteRow[];
  consumers: { users: KeyCount[]; apiKeys: KeyCount[]; tenants: KeyCount[] };
  audit: AuditRow[];
  self: SelfMetricsView;
}

export interface KeyCount {
  key: string;
  requests: number;
}

export interface InsightsModel {
  add(line: InsightsLine): void;
  snapshot(): InsightsSnapshot;
}

export interface InsightsModelOptions {
  /** Seconds of per-second history. Default 300. */
  windowSeconds?: number;
  /** Audit rows kept. Default 500. */
  auditLimit?: number;
  /** Durations kept per route for percentiles. Default 2048. */
  latencySample?: number;
  /** Distinct routes, and distinct consumers of each kind, before the rest count as "(other)". Default 500. */
  maxKeys?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

interface RouteState {
  requests: number;
  clientErrors: number;
  serverErrors: number;
  latency: LatencySample;
}

const OTHER = '(other)';

export function createInsightsModel(options: InsightsModelOptions = {}): InsightsModel {
  const {
    windowSeconds = 300,
    auditLimit = 500,
    latencySample = 2048,
    maxKeys = 500,
    now = Date.now,
  } = options;
  const totals = { requests: 0, clientErrors: 0, serverErrors: 0, exceptions: 0, audit: 0 };
  const security = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<SecurityKind, number>;
  const requestWindow = createTimeWindow(windowSeconds);
  const errorWindow = createTimeWindow(windowSeconds);
  const securityWindows = Object.fromEntries(
    KINDS.map((k) => [k, createTimeWindow(windowSeconds)]),
  ) as Record<SecurityKind, TimeWindow>;
  const routes = new Map<string, RouteState>();
  const consumers = {
    users: new Map<string, number>(),
    apiKeys: new Map<string, number>(),
    tenants: new Map<string, number>(),
  };
  const audit: AuditRow[] = [];
  const selfState = createSelfMetricsState();

  const countKey = (map: Map<string, number>, key: string) => {
    const k = map.has(key) || map.size < maxKeys ? key : OTHER;
    map.set(k, (map.get(k) ?? 0) + 1);
  };

  const access = (a: Record<string, unknown>, timeMs: number) => {
    const status = numberOr(a['http.response.status_code'], 0);
    const method = stringOr(a['http.request.method'], '');
    const target = stringOr(a['http.route'], stringOr(a['url.path'], '(unknown)'));
    let key = method ? `${method} ${target}` : target;
    if (!routes.has(key) && routes.size >= maxKeys) key = OTHER;
    let route = routes.get(key);
    if (!route) {
      route = { requests: 0, clientErrors: 0, serverErrors: 0, latency: createLatencySample(latencySample) };
      routes.set(key, route);
    }
    totals.requests += 1;
    route.requests += 1;
    requestWindow.add(timeMs);
    if (status >= 500) {
      totals.serverErrors += 1;
      route.serverErrors += 1;
      errorWindow.add(timeMs);
    } else if (status >= 400) {
      totals.clientErrors += 1;
      route.clientErrors += 1;
    }
    const duration = a['lifeline.http.duration_ms'];
    if (typeof duration === 'number' && Number.isFinite(duration)) route.latency.add(duration);
    if (typeof a['user.id'] === 'string') countKey(consumers.users, a['user.id']);
    if (typeof a['lifeline.consumer.api_key_hash'] === 'string')
      countKey(consumers.apiKeys, a['lifeline.consumer.api_key_hash']);
    if (typeof a['lifeline.consumer.tenant_id'] === 'string')
      countKey(consumers.tenants, a['lifeline.consumer.tenant_id']);
  };

  const auditRow = (a: Record<string, unknown>, time: string) => {
    totals.audit += 1;
    audit.unshift(auditRowOf(a, time));
    if (audit.length > auditLimit) audit.pop();
  };

  return {
    add(line) {
      if (line.signal === 'metrics') {
        selfState.add(line);
        return;
      }
      if (line.signal !== 'logs' || typeof line.eventName !== 'string') return;
      const time = line.time ?? line.observedTime ?? new Date(now()).toISOString();
      const parsed = Date.parse(time);
      const timeMs = Number.isFinite(parsed) ? parsed : now();
      const attributes = line.attributes ?? {};
      const name = line.eventName;
      if (name === 'lifeline.api.access') access(attributes, timeMs);
      else if (name === 'lifeline.audit.data_access') auditRow(attributes, time);
      else if (name === 'http.server.request.exception') totals.exceptions += 1;
      else if (name in SECURITY_KINDS) {
        const kind = SECURITY_KINDS[name as keyof typeof SECURITY_KINDS];
        security[kind] += 1;
        securityWindows[kind].add(timeMs);
      }
    },
    snapshot() {
      const endSecond = Math.floor(now() / 1000);
      return {
        generatedAt: new Date(now()).toISOString(),
        window: { endSecond, seconds: windowSeconds },
        totals: { ...totals, security: { ...security } },
        series: {
          requests: requestWindow.series(endSecond),
          serverErrors: errorWindow.series(endSecond),
          security: Object.fromEntries(KINDS.map((k) => [k, securityWindows[k].series(endSecond)])) as Record<
            SecurityKind,
            number[]
          >,
        },
        routes: [...routes].map(([route, s]) => routeRow(route, s)).sort((a, b) => b.requests - a.requests),
        consumers: {
          users: top(consumers.users),
          apiKeys: top(consumers.apiKeys),
          tenants: top(consumers.tenants),
        },
        audit: audit.map((row) => ({ ...row })),
        self: selfMetricsOf(selfState),
      };
    },
  };
}

function auditRowOf(a: Record<string, unknown>, time: string): AuditRow {
  return {
    time,
    user: stringOr(a['user.id'], 'anonymous'),
    tenant: stringOr(a['lifeline.consumer.tenant_id'], ''),
    action: stringOr(a['lifeline.audit.action'], ''),
    resource: stringOr(a['lifeline.audit.resource'], ''),
    outcome: stringOr(a['lifeline.audit.outcome'], ''),
    status: typeof a['http.response.status_code'] === 'number' ? a['http.response.status_code'] : null,
    client: stringOr(a['client.address'], ''),
  };
}

function routeRow(route: string, s: RouteState): RouteRow {
  const [p50, p95, p99] = s.latency.percentiles([0.5, 0.95, 0.99]);
  const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);
  return {
    route,
    requests: s.requests,
    clientErrors: s.clientErrors,
    serverErrors: s.serverErrors,
    errorRatio: s.requests === 0 ? 0 : s.serverErrors / s.requests,
    p50Ms: ms(p50),
    p95Ms: ms(p95),
    p99Ms: ms(p99),
  };
}

function top(map: Map<string, number>, limit = 10): KeyCount[] {
  return [...map]
    .map(([key, requests]) => ({ key, requests }))
    .sort((a, b) => b.requests - a.requests || a.key.localeCompare(b.key))
    .slice(0, limit);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
