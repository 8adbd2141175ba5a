import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateConfigValidator } from '../../scripts/build-config-validator.mjs';

describe('the generated configuration validator', () => {
  it('is current with the JSON Schema (regenerate: pnpm --filter @otel-lifeline/node generate:config-validator)', () => {
    const committed = readFileSync(new URL('../../generated/config-validator.js', import.meta.url), 'utf8');
    expect((generateConfigValidator as () => string)() === committed).toBe(true);
  });
});
