import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { collectorConfigDir, resolveCollectorBinary } from './support/collector-binary.js';

const binary = resolveCollectorBinary();
const queueDir = mkdtempSync(join(tmpdir(), 'lifeline-validate-'));

/** Every Collector configuration shipped (the builder manifest is not one). */
const configs = readdirSync(collectorConfigDir)
  .filter((name) => name.endsWith('.yaml') && name !== 'builder.yaml')
  .sort();

const env = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  LIFELINE_COLLECTOR_PRIMARY_ENDPOINT: 'http://127.0.0.1:9',
  LIFELINE_COLLECTOR_SECONDARY_ENDPOINT: 'http://127.0.0.1:9',
  LIFELINE_COLLECTOR_BACKEND_ENDPOINT: 'http://127.0.0.1:9',
  LIFELINE_COLLECTOR_QUEUE_DIR: queueDir,
  LIFELINE_COLLECTOR_FILE: join(queueDir, 'out.jsonl'),
};

function validate(file: string, extraEnv: Record<string, string | undefined> = {}) {
  return spawnSync(binary.path ?? '', ['validate', `--config=${join(collectorConfigDir, file)}`], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

afterAll(() => rmSync(queueDir, { recursive: true, force: true }));

describe.skipIf(binary.skipReason !== undefined)(
  `collector configurations${binary.skipReason ? ` (skipped: ${binary.skipReason})` : ''}`,
  () => {
    it('ships the five configurations', () => {
      expect(configs).toEqual([
        'agent-lifeline.yaml',
        'agent.yaml',
        'file-sink.yaml',
        'gateway.yaml',
        'insights.yaml',
      ]);
    });

    it.each(configs)('%s passes `otelcol validate`', (file) => {
      const result = validate(file);
      expect(result.stderr + result.stdout).toBe('');
      expect(result.status).toBe(0);
    });

    it('refuses the agent without a primary endpoint and names the exporter', () => {
      const result = validate('agent.yaml', { LIFELINE_COLLECTOR_PRIMARY_ENDPOINT: '' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('exporters::otlp_http/primary');
    });

    it('refuses agent-lifeline.yaml without a primary endpoint and names the key', () => {
      const result = validate('agent-lifeline.yaml', { LIFELINE_COLLECTOR_PRIMARY_ENDPOINT: '' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('exporters::lifelineotlphttp: endpoints[0].endpoint: must be set');
    });

    it('refuses agent-lifeline.yaml with a failback interval that is not a positive duration', () => {
      const result = validate('agent-lifeline.yaml', { LIFELINE_COLLECTOR_FAILBACK_INTERVAL: '0s' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('probe_interval: must be positive');
    });

    it('builds a Collector with exactly the component types the configurations use', () => {
      const used = new Set<string>();
      for (const file of configs) {
        const config = parse(readFileSync(join(collectorConfigDir, file), 'utf8')) as Record<string, unknown>;
        for (const kind of ['receivers', 'processors', 'exporters', 'extensions', 'connectors']) {
          for (const id of Object.keys((config[kind] as Record<string, unknown> | undefined) ?? {})) {
            used.add(`${kind}/${id.split('/')[0]}`);
          }
        }
      }
      const components = spawnSync(binary.path ?? '', ['components'], { encoding: 'utf8', timeout: 60_000 });
      expect(components.status).toBe(0);
      const built = new Set<string>();
      const listing = parse(components.stdout) as Record<string, Array<{ name: string }> | undefined>;
      for (const kind of ['receivers', 'processors', 'exporters', 'extensions', 'connectors']) {
        for (const component of listing[kind] ?? []) built.add(`${kind}/${component.name}`);
      }
      expect([...built].sort()).toEqual([...used].sort());
    });
  },
);
