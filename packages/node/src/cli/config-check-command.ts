import { resolve } from 'node:path';
import { formatProblem } from '../config/config-problem.js';
import { loadConfig } from '../config/load-config.js';
import type { CliIo } from './cli-io.js';
import { print } from './cli-io.js';

/**
 * Validates a configuration file as Lifeline would read it at start (with the current
 * environment for ${VAR} substitution), without creating the queue directory. Exit 1 on any
 * error (a bad value, an unknown key, an unknown LIFELINE_* variable), 0 when only warnings or
 * nothing was found.
 */
export function runConfigCheck(file: string, options: { json?: boolean }, io: CliIo): number {
  const { config, problems } = loadConfig({
    configFile: resolve(file),
    env: io.env,
    queueDirectory: 'check',
  });
  const errors = problems.filter((p) => p.severity === 'error');
  if (options.json) {
    print(
      io.stdout,
      JSON.stringify(
        {
          file: resolve(file),
          valid: errors.length === 0 && config.enabled,
          problems,
          disabledReason: config.disabledReason ?? null,
        },
        null,
        2,
      ),
    );
  } else {
    for (const p of problems) print(io.stdout, `${p.severity}: ${formatProblem(p)}`);
    if (errors.length === 0 && config.enabled) {
      const endpoints = config.endpoints
        .map((e) => `${e.name} ${e.signals.logs?.url ?? e.signals.traces?.url ?? ''}`)
        .join(', ');
      print(
        io.stdout,
        `ok: ${file} is valid (service ${config.serviceName}; ${config.mode}; endpoints: ${endpoints}; queue ${config.queue.directory})`,
      );
    } else if (!config.enabled && errors.length === 0) {
      print(io.stdout, `ok: ${file} is valid; Lifeline is off: ${config.disabledReason ?? ''}`);
    } else {
      print(
        io.stdout,
        `invalid: ${errors.length} error(s) in ${file}${config.enabled ? '' : `; Lifeline would be off: ${config.disabledReason ?? ''}`}`,
      );
    }
  }
  return errors.length === 0 ? 0 : 1;
}
