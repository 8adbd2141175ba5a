import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMPRESSIONS, type Compression } from '@otel-lifeline/exporter';
import {
  parseDuration,
  parseHttpUrl,
  parseKey32,
  parseKeyValueList,
  parseSize,
} from '../config/parse-values.js';
import type { Parsed } from '../config/parse-values.js';
import { SIGNALS } from '../config/config-types.js';
import type { Signal } from '../config/config-types.js';
import { LifelineConfigError } from '../errors.js';
import { DISTRO_VERSION } from '../sdk/distro-version.js';
import type { CliIo } from './cli-io.js';
import { print } from './cli-io.js';

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
};
/** An argument parser from one of the configuration's value parsers: its `expected` is the error. */
const parsedBy =
  <T>(parse: (value: string) => Parsed<T>) =>
  (value: string): T => {
    const parsed = parse(value);
    if (!parsed.ok) throw new InvalidArgumentError(parsed.expected);
    return parsed.value;
  };
const url = parsedBy(parseHttpUrl);
const header = (value: string, previous: Record<string, string> = {}): Record<string, string> => {
  const parsed = parseKeyValueList(value);
  if (!parsed.ok) throw new InvalidArgumentError('expected name=value');
  return { ...previous, ...parsed.value };
};
const duration = parsedBy((value) => parseDuration(value, { bareMilliseconds: true }));
const size = parsedBy(parseSize);
/**
 * `lifeline queue drain`'s default bound on a request before compression. A drain replays a
 * backlog by hand, and each request costs about the same whatever its size: at 8 MiB the
 * distribution's 268 MB backlog went out in 272 requests instead of 1,081 at the exporter's 2 MiB,
 * in about 13% less time and CPU (interleaved runs; BENCHMARKS.md, drain rows). The OpenTelemetry
 * Collector's OTLP/HTTP receiver takes 20 MiB by default, after decompression too, and Lifeline's
 * receiver 16 MiB; for a backend with a smaller limit (a 413 answer stops the drain),
 * `--max-request-bytes` lowers it.
 */
const DRAIN_MAX_REQUEST_BYTES = 8 * 1024 * 1024;
const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
};
const signalOption = () =>
  new Option('--signal <signal>', 'only this signal (or the signal of a single queue directory)').choices(
    SIGNALS as string[],
  );
const keyOption = () =>
  new Option(
    '--key <key>',
    'encryption key of the queue, 32 bytes as hex or base64 (default: LIFELINE_QUEUE_KEY)',
  );

function keysFrom(key: string | undefined, keyId: string, io: CliIo): Record<string, Uint8Array> | undefined {
  const text = key ?? io.env.LIFELINE_QUEUE_KEY;
  if (text === undefined || text === '') return undefined;
  const parsed = parseKey32(text);
  if (!parsed.ok)
    throw new LifelineConfigError(`--key / LIFELINE_QUEUE_KEY: ${parsed.expected}`, 'LIFELINE_ERR_CLI');
  return { [keyId]: parsed.value };
}

interface ReceiveFlags {
  port: number;
  host: string;
  out?: string;
  duration?: number;
  ui: boolean;
  uiPort: number;
  uiHost: string;
}

const receiveOptions = (o: ReceiveFlags) => ({
  host: o.host,
  port: o.port,
  ...(o.out ? { out: o.out } : {}),
  ...(o.duration ? { durationS: o.duration } : {}),
  ...(o.ui ? { ui: { host: o.uiHost, port: o.uiPort } } : {}),
});

/** The `lifeline` command line. Resolves to the exit code. Commands load their modules on use. */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const exit = { code: 0 };
  const program = new Command('lifeline')
    .description('Lifeline: OpenTelemetry for API servers that does not lose data')
    .version(DISTRO_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  const receive = (name: string, description: string, ui: boolean) =>
    program
      .command(name)
      .description(description)
      .option('--port <port>', 'port to listen on (0 picks a free one)', port, 4318)
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--out <file>', 'append every received log record, span and data point as a JSON line')
      .addOption(new Option('--duration <seconds>', 'stop after this many seconds').argParser(positiveInt))
      .option('--ui', 'serve the live insights page over what is received', ui)
      .option('--ui-port <port>', 'port of the insights page (0 picks a free one)', port, 4320)
      .option('--ui-host <host>', 'address of the insights page', '127.0.0.1')
      .action(async (o: ReceiveFlags) => {
        exit.code = await (await import('./receive-command.js')).runReceive(receiveOptions(o), io);
      });
  receive('receive', 'run an OTLP/HTTP receiver (logs, traces, metrics) and show live counts', false);
  receive(
    'insights',
    'run an OTLP/HTTP receiver and a live web page over what it receives (receive --ui)',
    true,
  );

  addQueueCommands(program, io, exit);

  const config = program.command('config').description('configuration tools');
  config
    .command('check')
    .description('validate a configuration file (exit 1 on errors)')
    .argument('<file>', 'YAML file, as given to LIFELINE_CONFIG_FILE')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { json?: boolean }) => {
      exit.code = (await import('./config-check-command.js')).runConfigCheck(file, o, io);
    });

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    print(io.stderr, `lifeline: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  return exit.code;
}

/** `lifeline queue stat | verify | drain`. */
function addQueueCommands(program: Command, io: CliIo, exit: { code: number }): void {
  const queue = program.command('queue').description('inspect, verify and replay a Lifeline queue directory');
  queue
    .command('stat')
    .description('pending records and bytes, oldest age, segments, drops and dead letters')
    .argument('<dir>', 'the queue directory (LIFELINE_QUEUE_DIR) or one signal queue in it')
    .option('--json', 'machine-readable output (shape in the README)')
    .addOption(signalOption())
    .action(async (dir: string, o: { json?: boolean; signal?: Signal }) => {
      exit.code = await (await import('./queue-stat-command.js')).runQueueStat(dir, o, io);
    });
  queue
    .command('verify')
    .description("check every record's checksum; exit 1 when a record is corrupt")
    .argument('<dir>', 'the queue directory or one signal queue in it')
    .option('--json', 'machine-readable output')
    .addOption(signalOption())
    .addOption(keyOption())
    .option('--key-id <id>', 'id of that key', 'k1')
    .action(async (dir: string, o: { json?: boolean; signal?: Signal; key?: string; keyId: string }) => {
      const keys = keysFrom(o.key, o.keyId, io);
      exit.code = await (
        await import('./queue-verify-command.js')
      ).runQueueVerify(
        dir,
        {
          ...(o.json ? { json: true } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
          ...(keys ? { keys } : {}),
        },
        io,
      );
    });
  queue
    .command('drain')
    .description('replay a queue left behind to an OTLP endpoint, acknowledging as it goes')
    .argument('<dir>', 'the queue directory or one signal queue in it')
    .requiredOption('--endpoint <url>', 'OTLP/HTTP base URL; /v1/<signal> is appended', url)
    .option('--header <name=value>', 'HTTP header to send (repeatable)', header, {})
    .addOption(
      new Option('--protocol <protocol>', 'wire encoding')
        .choices(['http/protobuf', 'http/json'])
        .default('http/protobuf'),
    )
    .addOption(
      new Option('--compression <compression>', 'request compression (zstd: Node 22.15 and later)')
        .choices(COMPRESSIONS)
        .default('gzip'),
    )
    .option('--timeout <duration>', 'per-request timeout', duration, 10_000)
    .option(
      '--max-attempts <n>',
      'attempts per batch before giving up (exit 1, the rest stays queued)',
      positiveInt,
      5,
    )
    .option(
      '--max-request-bytes <size>',
      'largest request before compression (a single larger record still goes alone)',
      size,
      DRAIN_MAX_REQUEST_BYTES,
    )
    .option('--cursor <name>', 'queue cursor to drain (a mirror-mode queue has one per endpoint)')
    .addOption(signalOption())
    .addOption(keyOption())
    .option('--key-id <id>', 'id of that key', 'k1')
    .option('--json', 'print the counts as JSON')
    .option('--no-progress', 'no progress bar')
    .action(
      async (
        dir: string,
        o: {
          endpoint: URL;
          header: Record<string, string>;
          protocol: 'http/protobuf' | 'http/json';
          compression: Compression;
          timeout: number;
          maxAttempts: number;
          maxRequestBytes: number;
          cursor?: string;
          signal?: Signal;
          key?: string;
          keyId: string;
          json?: boolean;
          progress: boolean;
        },
      ) => {
        const keys = keysFrom(o.key, o.keyId, io);
        exit.code = await (
          await import('./queue-drain-command.js')
        ).runQueueDrain(
          dir,
          {
            endpoint: o.endpoint,
            headers: o.header,
            protocol: o.protocol,
            compression: o.compression,
            timeoutMs: o.timeout,
            maxAttempts: o.maxAttempts,
            maxRequestBytes: o.maxRequestBytes,
            progress: o.progress,
            ...(o.cursor ? { cursor: o.cursor } : {}),
            ...(o.signal ? { signal: o.signal } : {}),
            ...(keys ? { keys, keyId: o.keyId } : {}),
            ...(o.json ? { json: true } : {}),
          },
          io,
        );
      },
    );
}
