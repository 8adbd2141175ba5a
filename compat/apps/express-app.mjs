// An Express app as ESM, for `node --import @otel-lifeline/node/register express-app.mjs`.
import express from 'express';

const app = express();
app.get('/users/:id', (request, response) => response.json({ id: request.params.id }));
const server = app.listen(0, '127.0.0.1', () =>
  console.log(`listening http://127.0.0.1:${server.address().port}`),
);
