import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import each package's TypeScript source, so `vitest` needs no build step.
    // Child processes started by tests run the built `dist/` (the test script builds first).
    alias: [{ find: /^@otel-lifeline\/([a-z-]+)$/, replacement: `${packagesDir}$1/src/index.ts` }],
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'test/**/*.test.ts',
      'collector-config/test/**/*.test.ts',
      'monitoring/test/**/*.test.ts',
    ],
    // The register entry's bundle, rebuilt from dist/ (the test script runs tsc -b first).
    globalSetup: ['test/setup/bundle-register.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
