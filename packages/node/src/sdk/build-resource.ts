import { arch, hostname } from 'node:os';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from '../config/config-types.js';
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

export function buildResource(config: ResolvedConfig): Resource {
  return defaultResource().merge(
    resourceFromAttributes({
      'host.name': hostname(),
      'host.arch': HOST_ARCH[arch()] ?? arch(),
      'process.pid': process.pid,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'process.executable.name': 'node',
      ...config.resourceAttributes,
      'service.name': config.serviceName,
      'telemetry.distro.name': '@otel-lifeline/node',
      'telemetry.distro.version': DISTRO_VERSION,
    }),
  );
}
