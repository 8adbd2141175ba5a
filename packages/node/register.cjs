'use strict';
// CommonJS entry for `node --require @otel-lifeline/node/register app.js`.
// Node >= 20.19 loads ES modules through require() (the register module has no top-level await),
// so this simply loads the ESM entry synchronously, before the application's first line runs.
// Node's on-disk compile cache (Node >= 22.1; NODE_COMPILE_CACHE or the OS temp directory) is
// turned on first, so later starts reuse compiled code; a no-op where unavailable.
try {
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache === 'function') enableCompileCache();
} catch {
  // No cache: modules are compiled as usual.
}
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
