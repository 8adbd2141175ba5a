import { describe, expect, it } from 'vitest';
import { createInsightsModel, type InsightsLine } from '../../src/insights/insights-model.js';
import { createLatencySample } from '../../src/insights/latency-sample.js';
import { createTimeWindow } from '../../src/insights/time-window.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function access(
  seconds: number,
  route: string,
  status: number,
  durationMs: number,
  extra = {},
): InsightsLine {
  return {
    signal: 'logs',
    time: at(seconds),
    eventName: 'lifeline.api.access',
    attributes: {
      'http.request.method': 'GET',
      'http.route': route,
      'http.response.status_code': status,
      'lifeline.http.duration_ms': durationMs,
      ...extra,
    },
  };
}

const event = (seconds: number, eventName: string, attributes = {}): InsightsLine => ({
  signal: 'logs',
  time: at(seconds),
  eventName,
  attributes,
});

describe('insights model', () => {
  it('counts requests, 4xx and 5xx in total and by route, busiest route first', () => {
    const model = createInsightsModel({ now: () => T0 + 10_000 });
    model.add(access(1, '/a', 200, 5));
    model.add(access(2, '/a', 500, 7));
    model.add(access(2, '/b', 404, 1));
    model.add(access(3, '/a', 200, 9));
    const s = model.snapshot();
    expect(s.totals).toMatchObject({ requests: 4, clientErrors: 1, serverErrors: 1 });
    expect(s.routes.map((r) => [r.route, r.requests, r.clientErrors, r.serverErrors])).toEqual([
      ['GET /a', 3, 0, 1],
      ['GET /b', 1, 1, 0],
    ]);
    expect(s.routes[0]!.errorRatio).toBeCloseTo(1 / 3);
  });

  it('gives nearest-rank percentiles of the durations of each route', () => {
    const model = createInsightsModel({ now: () => T0 });
    for (let ms = 1; ms <= 100; ms++) model.add(access(0, '/a', 200, ms));
    const [route] = model.snapshot().routes;
    expect([route!.p50Ms, route!.p95Ms, route!.p99Ms]).toEqual([50, 95, 99]);
  });

  it('puts each event in the second it happened in, over the last windowSeconds', () => {
    const model = createInsightsModel({ windowSeconds: 5, now: () => T0 + 4_500 });
    model.add(access(0, '/a', 200, 1));
    model.add(access(4, '/a', 503, 1));
    model.add(access(4, '/a', 200, 1));
    model.add(access(-10, '/a', 200, 1)); // older than the window: in the totals only
    model.add(event(3, 'lifeline.security.authz_fail'));
    const s = model.snapshot();
    expect(s.series.requests).toEqual([1, 0, 0, 0, 2]);
    expect(s.series.serverErrors).toEqual([0, 0, 0, 0, 1]);
    expect(s.series.security.authz).toEqual([0, 0, 0, 1, 0]);
    expect(s.totals.requests).toBe(4);
  });

  it('counts each security kind: 401, 403, 429 and brute force', () => {
    const model = createInsightsModel({ now: () => T0 });
    model.add(event(0, 'lifeline.security.authn_login_fail'));
    model.add(event(0, 'lifeline.security.authn_login_fail'));
    model.add(event(0, 'lifeline.security.authz_fail'));
    model.add(event(0, 'lifeline.security.excess_rate_limit_exceeded'));
    model.add(event(0, 'lifeline.security.authn_login_fail_max'));
    model.add(event(0, 'http.server.request.exception'));
    expect(model.snapshot().totals).toMatchObject({
      exceptions: 1,
      security: { authn: 2, authz: 1, rateLimit: 1, bruteForce: 1 },
    });
  });

  it('ranks consumers by user, hashed API key and tenant', () => {
    const model = createInsightsModel({ now: () => T0 });
    const as = (user: string, key: string, tenant: string) => ({
      'user.id': user,
      'lifeline.consumer.api_key_hash': key,
      'lifeline.consumer.tenant_id': tenant,
    });
    model.add(access(0, '/a', 200, 1, as('ana', 'k1', 't1')));
    model.add(access(0, '/a', 200, 1, as('bo', 'k2', 't1')));
    model.add(access(0, '/a', 200, 1, as('bo', 'k2', 't2')));
    const { consumers } = model.snapshot();
    expect(consumers.users).toEqual([
      { key: 'bo', requests: 2 },
      { key: 'ana', requests: 1 },
    ]);
    expect(consumers.apiKeys[0]).toEqual({ key: 'k2', requests: 2 });
    expect(consumers.tenants[0]).toEqual({ key: 't1', requests: 2 });
  });

  it('keeps the audit trail newest first, bounded by auditLimit', () => {
    const model = createInsightsModel({ auditLimit: 2, now: () => T0 });
    for (const [s, user] of [
      [1, 'ana'],
      [2, 'bo'],
      [3, 'cy'],
    ] as const) {
      model.add(
        event(s, 'lifeline.audit.data_access', {
          'user.id': user,
          'lifeline.audit.action': 'read',
          'lifeline.audit.resource': '/records/:id',
          'lifeline.audit.outcome': 'success',
          'http.response.status_code': 200,
        }),
      );
    }
    const s = model.snapshot();
    expect(s.totals.audit).toBe(3);
    expect(s.audit.map((r) => [r.user, r.action, r.resource, r.outcome, r.status])).toEqual([
      ['cy', 'read', '/records/:id', 'success', 200],
      ['bo', 'read', '/records/:id', 'success', 200],
    ]);
  });

  it('counts routes past maxKeys under "(other)" so memory stays bounded', () => {
    const model = createInsightsModel({ maxKeys: 2, now: () => T0 });
    for (const route of ['/a', '/b', '/c', '/d']) model.add(access(0, route, 200, 1));
    expect(model.snapshot().routes.map((r) => [r.route, r.requests])).toEqual([
      ['(other)', 2],
      ['GET /a', 1],
      ['GET /b', 1],
    ]);
  });

  it("shows Lifeline's queue, endpoint state, drops and fail-overs from its self-metrics", () => {
    const model = createInsightsModel({ now: () => T0 });
    const resource = { 'service.name': 'api', 'service.instance.id': 'i1' };
    const point = (
      metric: string,
      value: number,
      attributes: Record<string, unknown>,
      temporality = 'cumulative',
    ) => model.add({ signal: 'metrics', metric, value, attributes, resource, temporality } as InsightsLine);
    point('lifeline.queue.records', 3, { 'lifeline.signal': 'logs' });
    point('lifeline.queue.records', 5, { 'lifeline.signal': 'logs' }); // the latest value wins
    point('lifeline.queue.bytes', 900, { 'lifeline.signal': 'logs' });
    point('lifeline.queue.oldest_age', 2.5, { 'lifeline.signal': 'logs' });
    for (const state of ['available', 'skipped', 'throttled'])
      point('lifeline.endpoint.state', state === 'skipped' ? 1 : 0, {
        'url.full': 'http://a:4318',
        'lifeline.endpoint.state': state,
      });
    point('lifeline.queue.dropped', 4, { 'lifeline.drop.reason': 'queue_full' });
    point('lifeline.queue.dropped', 2, { 'lifeline.drop.reason': 'max_age' }, 'delta');
    point('lifeline.queue.dropped', 1, { 'lifeline.drop.reason': 'max_age' }, 'delta');
    point('lifeline.failover.switches', 2, { 'lifeline.failover.direction': 'switch' });
    point('lifeline.failover.switches', 1, { 'lifeline.failover.direction': 'failback' });
    point('http.server.active_requests', 7, {}); // not a self-metric: ignored
    const { self } = model.snapshot();
    expect(self.queues).toEqual([
      { service: 'api', signal: 'logs', records: 5, bytes: 900, oldestAgeSeconds: 2.5 },
    ]);
    expect(self.endpoints).toEqual([{ service: 'api', endpoint: 'http://a:4318', state: 'skipped' }]);
    expect(self.dropped).toEqual([
      { reason: 'queue_full', records: 4 },
      { reason: 'max_age', records: 3 },
    ]);
    expect(self.failovers).toEqual({ switch: 2, failback: 1 });
  });
});

describe('time window', () => {
  it('zeroes the seconds it slides past and ignores what is older than the window', () => {
    const w = createTimeWindow(3);
    w.add(0);
    w.add(1000);
    w.add(1500);
    expect(w.series(2)).toEqual([1, 2, 0]);
    w.add(10_000);
    w.add(7_000); // second 7: older than the window (seconds 8 to 10)
    expect(w.series(10)).toEqual([0, 0, 1]);
  });
});

describe('latency sample', () => {
  it('keeps only the latest capacity values', () => {
    const sample = createLatencySample(3);
    for (const ms of [100, 100, 100, 1, 2, 3]) sample.add(ms);
    expect(sample.percentiles([1])).toEqual([3]);
    expect(createLatencySample(3).percentiles([0.5])[0]).toBeNaN();
  });
});
