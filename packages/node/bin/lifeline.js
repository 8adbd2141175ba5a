#!/usr/bin/env node
// The command from its bundle (scripts/bundle-register.mjs: one file instead of about 240), or from
// the modules unbundled in a checkout where only tsc ran.
let cli;
try {
  cli = await import('../dist/bundle/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !/dist[\\/]bundle[\\/]cli\.js/.test(String(error.message)))
    throw error;
  cli = await import('../dist/cli/run-cli.js');
}

process.exitCode = await cli.runCli(process.argv);
