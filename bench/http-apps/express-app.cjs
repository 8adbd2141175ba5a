// The Express app every Express variant of bench:http runs, unchanged: what a user writes. It
// listens on PORT (0: any free port) and prints its URL on stdout for the bench to read.
const express = require('express');

const app = express();
app.get('/users/:id', (req, res) => res.json({ id: req.params.id, name: 'Ada', plan: 'pro' }));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
