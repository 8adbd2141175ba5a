// Compiles the configuration JSON Schema into a standalone validator module with Ajv, so that
// nothing compiles code at run time (`node --disallow-code-generation-from-strings` refuses it).
// Run by the build (`tsc -b` does not run it: the output is committed, and a test checks it is
// current). Usage: node scripts/build-config-validator.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const schemaUrl = new URL('../schema/lifeline-config.schema.json', import.meta.url);
const outputUrl = new URL('../generated/config-validator.js', import.meta.url);

export function generateConfigValidator() {
  const schema = JSON.parse(readFileSync(schemaUrl, 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, code: { source: true, esm: true } });
  const validate = ajv.compile(schema);
  const code = standaloneCode.default(ajv, validate);
  return `// Generated from schema/lifeline-config.schema.json by scripts/build-config-validator.mjs; do not edit.\n${code}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = generateConfigValidator();
  if (process.argv.includes('--check')) {
    const current = readFileSync(outputUrl, 'utf8');
    if (current !== code) {
      console.error(
        'generated/config-validator.js is out of date: run node scripts/build-config-validator.mjs',
      );
      process.exit(1);
    }
  } else {
    writeFileSync(outputUrl, code);
  }
}
