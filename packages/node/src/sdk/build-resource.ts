import { randomUUID } from 'node:crypto';
import { arch, hostname, release, type } from 'node:os';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from '../config/config-types.js';
import type { ResourceDetectorName } from '../config/config-types.js';
import { DISTRO_VERSION } from './distro-version.js';

/**
 * SDK defaults, host and process facts, then the configured attributes; service.name wins last.
 * Every attribute is known synchronously: the stock host detector's asynchronous `host.id` would
 * make exporters read the resource before it settles.
 */
/** Node's `os.arch()` names → the semantic conventions' `host.arch` values. */
const HOST_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: 'x86',
  arm: 'arm32',
  ppc64: 'ppc64',
  s390x: 's390x',
};

/** OS names → the semantic conventions' `os.type` values. */
const OS_TYPE: Record<string, string> = { Linux: 'linux', Darwin: 'darwin', Windows_NT: 'windows' };

/**
 * The attributes of each detector OTEL_NODE_RESOURCE_DETECTORS names (`env`, OTEL_RESOURCE_ATTRIBUTES,
 * is read with the rest of the configuration).
 */
function detected(detectors: readonly ResourceDetectorName[]): Record<string, string | number> {
  const on = new Set(detectors);
  return {
    ...(on.has('host') ? { 'host.name': hostname(), 'host.arch': HOST_ARCH[arch()] ?? arch() } : {}),
    ...(on.has('os') ? { 'os.type': OS_TYPE[type()] ?? type().toLowerCase(), 'os.version': release() } : {}),
    ...(on.has('process')
      ? {
          'process.pid': process.pid,
          'process.runtime.name': 'nodejs',
          'process.runtime.version': process.versions.node,
          'process.executable.name': 'node',
        }
      : {}),
    ...(on.has('serviceinstance') ? { 'service.instance.id': randomUUID() } : {}),
  };
}

export function buildResource(
  config: ResolvedConfig,
  detectors: readonly ResourceDetectorName[] = ['env', 'host', 'process'],
): Resource {
  return defaultResource().merge(
    resourceFromAttributes({
      ...detected(detectors),
      // Configured attributes (OTEL_RESOURCE_ATTRIBUTES or the file's) always apply: they are
      // configuration, not detection, so `env` need not be listed for them.
      ...config.resourceAttributes,
      'service.name': config.serviceName,
      'telemetry.distro.name': '@otel-lifeline/node',
      'telemetry.distro.version': DISTRO_VERSION,
    }),
  );
}
