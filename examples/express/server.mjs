// An Express 5 API. Started with `node --import @otel-lifeline/node/register server.mjs`.
import express from 'express';

const app = express();
app.use(express.json());

const items = new Map([
  ['1', { id: '1', name: 'kettle' }],
  ['2', { id: '2', name: 'teapot' }],
]);

app.get('/health', (_req, res) => res.json({ ok: true }));
app.get('/api/items/:id', (req, res) => {
  const item = items.get(req.params.id);
  if (item) res.json(item);
  else res.status(404).json({ error: 'not found' });
});
app.post('/api/login', (_req, res) => res.status(401).json({ error: 'bad credentials' }));
app.get('/api/fail', () => {
  throw new Error('boom');
});

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
