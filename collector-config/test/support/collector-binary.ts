import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const collectorConfigDir = fileURLToPath(new URL('../../', import.meta.url));
const manifestPath = join(collectorConfigDir, 'builder.yaml');
const buildScript = join(collectorConfigDir, 'build-collector.sh');

/** Component sources in the cache key: *.go except tests, go.mod, go.sum under components/. */
function componentSources(): string[] {
  const root = join(collectorConfigDir, 'components');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((file) => `components/${file.split(sep).join('/')}`)
    .filter((file) => /(?<!_test)\.go$|\/go\.(mod|sum)$/.test(file))
    .filter((file) => statSync(join(collectorConfigDir, file)).isFile())
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * Where build-collector.sh puts the binary for the current builder.yaml and components (same
 * key: the manifest, then each component source as NUL, path, NUL, bytes).
 */
export function cachedCollectorPath(): string {
  const key = createHash('sha256').update(readFileSync(manifestPath));
  for (const file of componentSources()) {
    key.update(`\0${file}\0`).update(readFileSync(join(collectorConfigDir, file)));
  }
  const hash = key.digest('hex').slice(0, 16);
  const cacheRoot = process.env['LIFELINE_CACHE_DIR'] ?? join(homedir(), '.cache', 'lifeline');
  return join(cacheRoot, `otelcol-${hash}`, 'otelcol-lifeline');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasGo(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

export type CollectorBinary =
  { path: string; skipReason?: undefined } | { path?: undefined; skipReason: string };

let resolved: CollectorBinary | undefined;

/**
 * Finds the Collector the tests run:
 *   1. OTELCOL_BIN (CI sets it from build-collector.sh),
 *   2. the cached build for the current builder.yaml,
 *   3. a build now, when Go is installed (minutes the first time).
 * Without Go, a developer machine skips the suite with the reason; under CI=true the suite
 * fails instead, because CI must prove the configurations against a real Collector.
 */
export function resolveCollectorBinary(): CollectorBinary {
  if (resolved !== undefined) return resolved;
  const fromEnv = process.env['OTELCOL_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isExecutable(fromEnv)) throw new Error(`OTELCOL_BIN=${fromEnv} is not an executable file`);
    return (resolved = { path: fromEnv });
  }
  const cached = cachedCollectorPath();
  if (isExecutable(cached)) return (resolved = { path: cached });
  if (!hasGo()) {
    const reason =
      'the Collector is not built and Go is not installed: install Go (https://go.dev/dl/) and run collector-config/build-collector.sh';
    if (process.env['CI'] === 'true')
      throw new Error(`collector-config tests cannot run under CI: ${reason}`);
    return (resolved = { skipReason: reason });
  }
  const build = spawnSync(buildScript, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = build.stdout.trim().split('\n').pop() ?? '';
  if (build.status !== 0 || !isExecutable(path)) {
    throw new Error(`collector-config/build-collector.sh failed (exit ${build.status ?? build.signal})`);
  }
  return (resolved = { path });
}
