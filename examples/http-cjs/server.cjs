// A plain node:http API in CommonJS. Started with `node --import @otel-lifeline/node/register server.cjs`:
// no telemetry code here, every request still becomes an access event.
'use strict';
const { createServer } = require('node:http');

const items = new Map([
  ['1', { id: '1', name: 'kettle' }],
  ['2', { id: '2', name: 'teapot' }],
]);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && url.pathname === '/health') return send(200, { ok: true });
  const item = /^\/api\/items\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && item) {
    const found = items.get(item[1]);
    return found ? send(200, found) : send(404, { error: 'not found' });
  }
  if (req.method === 'POST' && url.pathname === '/api/login') return send(401, { error: 'bad credentials' });
  if (req.method === 'GET' && url.pathname === '/api/fail') return send(500, { error: 'boom' });
  return send(404, { error: 'no route' });
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}`);
});
