// A Fastify 5 API. Started with `node --import @otel-lifeline/node/register server.mjs`.
import Fastify from 'fastify';

const app = Fastify();
const items = new Map([
  ['1', { id: '1', name: 'kettle' }],
  ['2', { id: '2', name: 'teapot' }],
]);

app.get('/health', async () => ({ ok: true }));
app.get('/api/items/:id', async (req, reply) => {
  const item = items.get(req.params.id);
  if (!item) return reply.code(404).send({ error: 'not found' });
  return item;
});
app.post('/api/login', async (_req, reply) => reply.code(401).send({ error: 'bad credentials' }));
app.get('/api/fail', async () => {
  throw new Error('boom');
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
