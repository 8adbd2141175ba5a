// The Fastify app every Fastify variant of bench:http runs, unchanged: what a user writes. It
// listens on PORT (0: any free port) and prints its URL on stdout for the bench to read.
const Fastify = require('fastify');

const app = Fastify({ logger: false });
app.get('/users/:id', async (request) => ({ id: request.params.id, name: 'Ada', plan: 'pro' }));
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((url) => {
  process.stdout.write(`listening ${url}\n`);
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
