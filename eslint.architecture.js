// The architecture rules: size limits and explicit barrels (import circles: madge, in the test). Part of `pnpm lint`, and checked on
// every `pnpm test` by test/architecture/architecture.test.ts, which needs no type information.
import tseslint from 'typescript-eslint';

/** @type {import('eslint').Linter.Config[]} */
export const architectureRules = [
  {
    files: ['packages/*/src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      // A file past ~250 lines is usually two ideas; past 400 it is one to split.
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 120 }],
      // Barrels name every export: package.json#exports and src/index.ts are the whole surface.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'Name each export: `export { a, b } from`, not `export *`.',
        },
      ],
    },
  },
  {
    // The OTLP schema table, transcribed from the .proto files: data, not code to read.
    files: ['packages/otlp/src/schema.ts'],
    rules: { 'max-lines': 'off', 'max-lines-per-function': 'off' },
  },
];
