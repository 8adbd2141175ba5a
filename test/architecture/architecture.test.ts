import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import madge from 'madge';
import { describe, expect, it } from 'vitest';
import { architectureRules } from '../../eslint.architecture.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe('architecture', () => {
  it('keeps every source file under 400 lines, every function under 120, and every export named', async () => {
    const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: architectureRules });
    const results = await eslint.lintFiles(['packages/*/src/**/*.ts']);
    const problems = results.flatMap((result) =>
      result.messages.map((m) => `${relative(root, result.filePath)}:${m.line}: ${m.message}`),
    );
    expect(results.length).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('has no import circle among the source files', async () => {
    // Type-only imports count too: a circle of types is still two files that must change together.
    const graph = await madge(
      packages.map((name) => join(packagesDir, name, 'src')),
      { fileExtensions: ['ts'], baseDir: packagesDir },
    );
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(50);
    expect(graph.circular()).toEqual([]);
  });

  it.each(packages)("names each of %s's source files in its README's architecture section", (name) => {
    const readme = readFileSync(join(packagesDir, name, 'README.md'), 'utf8');
    const section = /^## Architecture\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
    expect(section, `packages/${name}/README.md has no "## Architecture" section`).toBeDefined();
    const missing = sourceFiles(join(packagesDir, name, 'src')).filter(
      (file) => !/(^|\/)index\.ts$/.test(file) && !section!.includes(file.replace(/^.*\//, '')),
    );
    expect(missing, `packages/${name}/README.md's architecture section does not name these files`).toEqual(
      [],
    );
  });
});
