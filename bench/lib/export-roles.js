// The two kinds of child process of bench:export (bench/export.js forks itself with --role):
//
//   receiver   the backend: a Lifeline receiver that keeps a bitmap of the `seq` values it saw
//   app        emits the export bench's access events at a fixed rate through one variant (the
//              stock pipeline, Lifeline's durable processor, or the worker-thread experiment) and
//              reports what it emitted, its CPU, its drops and, when asked, stages and memory
//
// Both answer the orchestrator's commands over IPC (bench/lib/export-orchestration.js).
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { ACCESS_EVENT_BODY, accessEventAttributes } from './access-event.js';
import { deadline } from './export-orchestration.js';

/**
 * CPU time of this process's main thread in ms (Linux: /proc/self/task/<pid>/stat, utime + stime),
 * so that work on libuv's thread pool (gzip, fdatasync) is not counted as main-thread time.
 * Elsewhere: the event loop's active time, which also counts time spent descheduled.
 */
function mainThreadCpuMs() {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100/s)
  } catch {
    return performance.eventLoopUtilization().active;
  }
}

/**
 * The backend: a receiver that keeps nothing but a bitmap of the `seq` values it saw. One receiver
 * process serves every run of the benchmark; `reset` forgets what it saw between runs.
 */
export async function receiverRole() {
  const { createReceiver } = await import('@otel-lifeline/receiver');
  let seen = new Uint8Array(1 << 20);
  let unique = 0;
  let total = 0;
  let mark;
  let firstAfterMark;
  let lastArrival = 0;
  const record = (seq) => {
    if (seq >= seen.length) {
      const bigger = new Uint8Array(Math.max(seen.length * 2, seq + 1));
      bigger.set(seen);
      seen = bigger;
    }
    total++;
    if (seen[seq] === 0) {
      seen[seq] = 1;
      unique++;
    }
  };
  const receiver = await createReceiver({
    keep: false,
    onExport: (_signal, request) => {
      const now = Date.now();
      lastArrival = now;
      if (mark !== undefined && firstAfterMark === undefined) firstAfterMark = now;
      for (const rl of request.resourceLogs ?? []) {
        for (const sl of rl.scopeLogs ?? []) {
          for (const lr of sl.logRecords ?? []) {
            const attr = lr.attributes?.find((a) => a.key === 'seq');
            const seq = Number(attr?.value?.intValue ?? -1);
            if (seq >= 0) record(seq);
          }
        }
      }
    },
  });
  process.on('message', async (command) => {
    let reply = {};
    switch (command.op) {
      case 'stats':
        reply = { unique, total, duplicates: total - unique, lastArrival };
        break;
      case 'reset':
        seen = new Uint8Array(1 << 20);
        unique = 0;
        total = 0;
        mark = undefined;
        firstAfterMark = undefined;
        lastArrival = 0;
        receiver.clearFaults();
        await receiver.start(); // a no-op unless a scenario left it stopped
        break;
      case 'bitmap':
        reply = { bitmap: Buffer.from(seen.buffer, seen.byteOffset, seen.byteLength).toString('base64') };
        break;
      case 'mark':
        mark = Date.now();
        firstAfterMark = undefined;
        reply = { mark };
        break;
      case 'firstAfterMark':
        reply = { mark, firstAfterMark };
        break;
      case 'stop':
        await receiver.stop();
        reply = { at: Date.now() };
        break;
      case 'start':
        await receiver.start();
        reply = { at: Date.now() };
        break;
      case 'fault':
        receiver.addFault(command.fault, command.when);
        reply = { at: Date.now() };
        break;
      case 'clearFaults':
        receiver.clearFaults();
        reply = { at: Date.now() };
        break;
      case 'close':
        await receiver.close();
        process.send({ id: command.id }, () => process.exit(0));
        return;
    }
    process.send({ id: command.id, ...reply });
  });
  process.send({ ready: true, url: receiver.url });
}

/** The app: emits log records of the L5 fixture shape at a fixed rate through one variant. */
export async function appRole(config) {
  const { LoggerProvider, BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  let processor;
  /** Queue records (fragments) Lifeline dropped, by reason; the stock pipeline drops without telling. */
  let drops = {};
  let degradedSpells = 0;
  /** Per-stage totals from `lifeline:stage` and `lifeline:export:ok` (the profile scenario). */
  const stages = {};
  const addStage = (stage, ms, bytes) => {
    const s = (stages[stage] ??= { calls: 0, ms: 0, bytes: 0 });
    s.calls++;
    s.ms += ms;
    s.bytes += bytes;
  };
  if (config.profileStages) {
    const { subscribe } = await import('node:diagnostics_channel');
    subscribe('lifeline:stage', (m) => addStage(m.stage, m.ms, m.bytes));
    subscribe('lifeline:export:ok', (m) => addStage('http', m.durationMs, 0));
  }
  /** RSS and heap every `sampleEveryMs` (the long outage). */
  const memory = [];
  if (config.sampleEveryMs) {
    const sample = () => {
      const m = process.memoryUsage();
      memory.push({
        atMs: Date.now(),
        rssMiB: m.rss / 2 ** 20,
        heapMiB: m.heapUsed / 2 ** 20,
        heapTotalMiB: m.heapTotal / 2 ** 20,
        externalMiB: m.external / 2 ** 20,
        arrayBuffersMiB: m.arrayBuffers / 2 ** 20,
        // The sizes V8 reserved for its young and old generations (space_size, not what is used).
        spaces: Object.fromEntries(
          v8
            .getHeapSpaceStatistics()
            .filter((x) => x.space_name === 'new_space' || x.space_name === 'old_space')
            .map((x) => [x.space_name, x.space_size / 2 ** 20]),
        ),
      });
    };
    sample();
    setInterval(sample, config.sampleEveryMs).unref();
  }
  if (config.variant === 'drop') {
    // The baseline of the export path's own cost: the SDK's emit and this app, every record
    // dropped by the processor it reaches.
    processor = { onEmit() {}, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  } else if (config.variant === 'stock') {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
    processor = new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: config.endpoints[0] }) });
  } else if (config.variant === 'lifeline-worker') {
    // The worker-thread experiment (bench/lib/worker-pipeline.js): defaults, as the long outage.
    const { createWorkerLogRecordProcessor } = await import('./worker-pipeline.js');
    processor = createWorkerLogRecordProcessor({
      endpoints: config.endpoints.map((url) => ({ url })),
      queueDir: config.queueDir,
      shutdownTimeoutMs: 1_000,
    });
    drops = processor.drops;
  } else {
    const { createDurableLogRecordProcessor } = await import('@otel-lifeline/exporter');
    const { subscribe } = await import('node:diagnostics_channel');
    subscribe('lifeline:queue:drop', (event) => {
      drops[event.reason] = (drops[event.reason] ?? 0) + event.records;
    });
    // Spells in which the disk refused writes and records went through memory (disk-full runs).
    subscribe('lifeline:queue:durability', (event) => {
      if (event.state === 'degraded') degradedSpells++;
    });
    processor = createDurableLogRecordProcessor({
      endpoints: config.endpoints.map((url) =>
        config.timeoutMs === undefined ? { url } : { url, timeoutMs: config.timeoutMs },
      ),
      queueDir: config.queueDir,
      ...(config.probeIntervalMs === undefined ? {} : { probeIntervalMs: config.probeIntervalMs }),
      ...(config.maxBackoffMs === undefined ? {} : { retry: { maxBackoffMs: config.maxBackoffMs } }),
      shutdownTimeoutMs: 1_000,
    });
  }
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('bench-export', '1.0.0');
  const attributes = accessEventAttributes;
  const body = ACCESS_EVENT_BODY;

  let emitted = 0;
  let t0 = 0;
  /** When emitting stops: the run's duration, or earlier when the orchestrator sends `end`. */
  let endAt = Infinity;
  const emitUntilEnd = () =>
    new Promise((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.floor(((Math.min(now, endAt) - t0) * config.rate) / 1000);
        while (emitted < due) {
          logger.emit({ severityNumber: 9, severityText: 'INFO', body, attributes: attributes(emitted) });
          emitted++;
        }
        if (now >= endAt) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });

  process.on('message', async (command) => {
    if (command.op === 'run') {
      const main0 = mainThreadCpuMs();
      const cpu0 = process.cpuUsage();
      const windowStartUs = Number(process.hrtime.bigint() / 1000n);
      t0 = performance.now();
      endAt = Math.min(endAt, t0 + command.durationMs);
      await emitUntilEnd();
      const emitEnd = performance.now();
      // The stock processor exports what its in-memory queue holds; ours flushes to disk and sends
      // until everything is acknowledged or the timeout passes.
      const flushed = await Promise.race([
        processor.forceFlush({ timeoutMillis: command.flushTimeoutMs }).then(
          () => true,
          () => false,
        ),
        deadline(command.flushTimeoutMs + 1_000).then(() => false),
      ]);
      const main = mainThreadCpuMs() - main0;
      const cpu = process.cpuUsage(cpu0);
      process.send({
        id: command.id,
        emitted,
        emitMs: emitEnd - t0,
        flushMs: performance.now() - emitEnd,
        flushed,
        totalMs: performance.now() - t0,
        mainThreadCpuMs: main,
        windowUs: [windowStartUs, Number(process.hrtime.bigint() / 1000n)],
        processCpuMs: (cpu.user + cpu.system) / 1000,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        drops,
        degradedSpells,
        ...(config.profileStages ? { stages } : {}),
        ...(config.sampleEveryMs ? { memory } : {}),
      });
    } else if (command.op === 'end') {
      endAt = Math.min(endAt, performance.now());
      process.send({ id: command.id });
    } else if (command.op === 'shutdown') {
      await Promise.race([provider.shutdown(), deadline(5_000)]).catch(() => undefined);
      process.send({ id: command.id }, () => process.exit(0));
    }
  });
  process.send({ ready: true });
}
