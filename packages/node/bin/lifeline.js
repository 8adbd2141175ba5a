#!/usr/bin/env node
// Node's on-disk compile cache (as the register entry turns on): each later command skips
// compiling the bundle, 10-25 ms of its start. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';

try {
  enableCompileCache?.();
} catch {
  // No cache: the modules are compiled as usual.
}

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
