import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageDir } from '../child-process.js';

/** The live view needs no build on the user's side: its page and Chart.js come with the package. */
describe('the insights page in the published package', () => {
  it('ships the page, its script and style, and the server that serves them', () => {
    const result = spawnSync('npm', ['pack', '--dry-run', '--json'], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const [pack] = JSON.parse(result.stdout) as Array<{ files: Array<{ path: string }> }>;
    const files = pack!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'insights-ui/index.html',
        'insights-ui/insights.js',
        'insights-ui/insights.css',
        'dist/insights/insights-server.js',
        'dist/insights/insights-model.js',
      ]),
    );
  });

  it('takes Chart.js from a runtime dependency, not a dev one', () => {
    const manifest = JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies['chart.js']).toMatch(/^\^4\./);
    const html = readFileSync(`${packageDir}/insights-ui/index.html`, 'utf8');
    expect(html).toContain('src="/vendor/chart.umd.min.js"');
    expect(html).not.toMatch(/src="https?:/); // nothing from the internet
  });
});
