import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cachedCollectorPath,
  collectorConfigDir,
  resolveCollectorBinary,
} from './support/collector-binary.js';

const binary = resolveCollectorBinary();
const scratch = mkdtempSync(join(tmpdir(), 'lifeline-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The build-collector.sh copied into `dir`, run against the shared cache where Go cannot be found. */
const runScriptWithoutGo = (dir: string) =>
  spawnSync('bash', [join(dir, 'build-collector.sh')], {
    env: {
      PATH: '/usr/bin:/bin',
      HOME: scratch,
      LIFELINE_CACHE_DIR: dirname(dirname(cachedCollectorPath())),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe.skipIf(binary.skipReason !== undefined)('build-collector.sh', () => {
  // Only when the binary in use is the cached one (OTELCOL_BIN may point elsewhere).
  it.skipIf(!existsSync(cachedCollectorPath()))(
    'prints the cached binary for an unchanged builder.yaml without building again',
    () => {
      const cacheRoot = dirname(dirname(cachedCollectorPath()));
      const run = spawnSync(join(collectorConfigDir, 'build-collector.sh'), [], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: scratch, LIFELINE_CACHE_DIR: cacheRoot },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toBe(cachedCollectorPath());
      expect(run.stderr).toContain('reusing');
    },
  );

  it('keys the cache by the manifest: a changed builder.yaml does not reuse the old binary', () => {
    // The script and a manifest with one more comment line, run where Go cannot be found:
    // it must not hand out the cached binary, and it says why it cannot build.
    copyFileSync(join(collectorConfigDir, 'build-collector.sh'), join(scratch, 'build-collector.sh'));
    const manifest = readFileSync(join(collectorConfigDir, 'builder.yaml'), 'utf8');
    writeFileSync(join(scratch, 'builder.yaml'), `${manifest}# changed\n`);
    const run = runScriptWithoutGo(scratch);
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Go is not installed');
  });

  // A copy of this folder's script, manifest and components, run where Go cannot be found: exit 0
  // means it reused the cached binary, exit 3 that it would have to build.
  const runCopy = (change: (dir: string) => void) => {
    const dir = mkdtempSync(join(scratch, 'copy-'));
    copyFileSync(join(collectorConfigDir, 'build-collector.sh'), join(dir, 'build-collector.sh'));
    copyFileSync(join(collectorConfigDir, 'builder.yaml'), join(dir, 'builder.yaml'));
    cpSync(join(collectorConfigDir, 'components'), join(dir, 'components'), { recursive: true });
    change(join(dir, 'components', 'lifelineotlphttpexporter'));
    return runScriptWithoutGo(dir);
  };

  it.skipIf(!existsSync(cachedCollectorPath()))(
    "keys the cache by the components' sources too: a changed .go file does not reuse the old binary",
    () => {
      const run = runCopy((component) => appendFileSync(join(component, 'config.go'), '// changed\n'));
      expect(run.status).toBe(3);
      expect(run.stderr).toContain('Go is not installed');
    },
  );

  it.skipIf(!existsSync(cachedCollectorPath()))(
    "leaves the components' tests out of the key: a changed _test.go file reuses the binary",
    () => {
      const run = runCopy((component) => appendFileSync(join(component, 'config_test.go'), '// changed\n'));
      expect(run.stderr).toContain('reusing');
      expect(run.status).toBe(0);
    },
  );
});
