import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { collectorConfigDir } from './collector-binary.js';

type Node = Record<string, unknown>;

/**
 * agent.yaml rearranged the way the Collector's documentation suggests and most users start:
 * a persistent queue on EACH exporter (retried forever) and a synchronous connector. Everything
 * else is the shipped file, so a difference in behaviour comes from where the queues sit.
 * Written to `dir`; returns its path.
 */
export function writeExporterQueuesVariant(dir: string): string {
  const config = parse(readFileSync(join(collectorConfigDir, 'agent.yaml'), 'utf8')) as Node;
  const connectors = config['connectors'] as Record<string, Node>;
  for (const connector of Object.values(connectors)) connector['sending_queue'] = { enabled: false };
  const exporters = config['exporters'] as Record<string, Node>;
  const primary = exporters['otlp_http/primary'] as Node;
  // The documented layout: the same persistent queue as the secondary.
  primary['sending_queue'] = { storage: 'file_storage', queue_size: 10000, num_consumers: 4 };
  // Retried forever like the secondary; the 5 s cap only keeps the test's drain short.
  primary['retry_on_failure'] = { initial_interval: '500ms', max_interval: '5s', max_elapsed_time: 0 };
  const file = join(dir, 'agent-exporter-queues.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/**
 * agent.yaml with the persistent queue moved onto the failover connectors (the layout the
 * connector's `sending_queue` was added for), exporters as shipped.
 */
export function writeConnectorQueueVariant(dir: string): string {
  const config = parse(readFileSync(join(collectorConfigDir, 'agent.yaml'), 'utf8')) as Node;
  const connectors = config['connectors'] as Record<string, Node>;
  for (const connector of Object.values(connectors)) {
    connector['sending_queue'] = { storage: 'file_storage', queue_size: 10000, num_consumers: 4 };
  }
  const file = join(dir, 'agent-connector-queue.yaml');
  writeFileSync(file, stringify(config));
  return file;
}
