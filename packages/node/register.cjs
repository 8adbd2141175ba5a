'use strict';
// CommonJS entry for `node --require @otel-lifeline/node/register app.js`.
// Node >= 20.19 loads ES modules through require() (the register module has no top-level await),
// so this simply loads the ESM entry synchronously, before the application's first line runs.
try {
  require('./dist/register.js');
} catch (error) {
  if (error && error.code === 'ERR_REQUIRE_ESM') {
    process.stderr.write(
      '[lifeline] this Node.js cannot require() ES modules: start with `node --import @otel-lifeline/node/register` instead\n',
    );
  } else {
    process.stderr.write(
      `[lifeline] could not start: ${error && error.stack ? error.stack : String(error)}\n`,
    );
  }
}
