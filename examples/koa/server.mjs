// A Koa 3 API. Started with `node --import @otel-lifeline/node/register server.mjs`.
import Router from '@koa/router';
import Koa from 'koa';

const app = new Koa();
const router = new Router();
const items = new Map([
  ['1', { id: '1', name: 'kettle' }],
  ['2', { id: '2', name: 'teapot' }],
]);

router.get('/health', (ctx) => {
  ctx.body = { ok: true };
});
router.get('/api/items/:id', (ctx) => {
  const item = items.get(ctx.params.id);
  ctx.status = item ? 200 : 404;
  ctx.body = item ?? { error: 'not found' };
});
router.post('/api/login', (ctx) => {
  ctx.status = 401;
  ctx.body = { error: 'bad credentials' };
});
router.get('/api/fail', () => {
  throw new Error('boom');
});
app.use(router.routes()).use(router.allowedMethods());

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
