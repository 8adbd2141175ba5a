// A Hono API on Node. Started with `node --import @otel-lifeline/node/register server.mjs`.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
const items = new Map([
  ['1', { id: '1', name: 'kettle' }],
  ['2', { id: '2', name: 'teapot' }],
]);

app.get('/health', (c) => c.json({ ok: true }));
app.get('/api/items/:id', (c) => {
  const item = items.get(c.req.param('id'));
  return item ? c.json(item) : c.json({ error: 'not found' }, 404);
});
app.post('/api/login', (c) => c.json({ error: 'bad credentials' }, 401));
app.get('/api/fail', () => {
  throw new Error('boom');
});

serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: process.env.HOST ?? '127.0.0.1' },
  (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`);
  },
);
