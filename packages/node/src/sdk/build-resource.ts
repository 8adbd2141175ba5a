import {
  detectResources,
  defaultResource,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from '../config/config-types.js';
import { DISTRO_VERSION } from './distro-version.js';

/** SDK defaults, host and process facts, then the configured attributes; service.name wins last. */
export function buildResource(config: ResolvedConfig): Resource {
  return defaultResource()
    .merge(detectResources({ detectors: [hostDetector, processDetector] }))
    .merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
        'service.name': config.serviceName,
        'telemetry.distro.name': '@otel-lifeline/node',
        'telemetry.distro.version': DISTRO_VERSION,
      }),
    );
}
