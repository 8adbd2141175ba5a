// Vitest global setup: rebuilds the register entry's bundles (packages/node/dist/bundle/start*.js)
// and the CLI's (cli.js) from the built modules before any test starts a process with `--import
// @otel-lifeline/node/register` or `lifeline`, so a run after `tsc -b` never meets a bundle older
// than the code it tests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleRegister } from '../../packages/node/scripts/bundle-register.mjs';

export default async function setup(): Promise<void> {
  // Nothing built yet (no `tsc -b`): the tests that start processes fail on the missing dist anyway.
  if (!existsSync(fileURLToPath(new URL('../../packages/node/dist/start.js', import.meta.url)))) return;
  await bundleRegister();
}
