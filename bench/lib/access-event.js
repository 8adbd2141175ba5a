// The export benches' record: an access event of an API server, its `seq` attribute numbering it
// so that the receiver can count what arrived, once or twice.

export const ACCESS_EVENT_BODY =
  'GET /api/orders/:id 200 in 12.5 ms — the request completed without incident';

export function accessEventAttributes(seq) {
  return {
    seq,
    'http.request.method': 'GET',
    'http.route': '/api/orders/:id',
    'http.response.status_code': 200,
    'url.path': `/api/orders/${seq}`,
    'server.address': 'api.example.com',
    'server.port': 443,
    'client.address': '203.0.113.7',
    'user_agent.original': 'bench/1.0',
    'lifeline.duration_ms': 12.5,
  };
}
