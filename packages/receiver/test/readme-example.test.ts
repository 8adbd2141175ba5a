import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('README example', () => {
  it('runs as written against the built package and prints what the comments say', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain('createReceiver');
    // Run from the package folder, so `@otel-lifeline/receiver` resolves to this package's dist/.
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        ['--input-type=module', '-'],
        { cwd: packageDir, timeout: 20_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
      child.stdin?.end(example);
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.slice(1)).toEqual(['200 {}', "{ stringValue: 'hello' }", '503 2']);
  });
});
