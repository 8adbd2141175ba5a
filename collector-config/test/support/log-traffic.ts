import { logsCodec, type ExportLogsServiceRequest, type LogRecord } from '@otel-lifeline/otlp';

/** The attribute every generated log record carries: its sequence number, unique per traffic. */
export const SEQ_KEY = 'lifeline.test.seq';

export interface LogTrafficOptions {
  /**
   * Base URL(s) of the Collector's OTLP/HTTP receiver. With several, each attempt goes to the
   * next one in turn, as behind a load balancer: a retry lands on another Collector.
   */
  urls: readonly string[];
  /** Records per request (default 20). */
  batchSize?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Pause between two requests of one worker, in ms (default 50). */
  pauseMs?: number;
  /** Extra attributes put on every record (e.g. values the Collector must redact). */
  attributes?: LogRecord['attributes'];
}

export interface LogTraffic {
  /** Sequence numbers the Collector answered 2xx for. */
  readonly acked: ReadonlySet<number>;
  /** Requests that got no 2xx (connection refused or reset, 5xx) and were sent again. */
  readonly failedAttempts: number;
  /** Stops taking new batches and resolves once every batch taken was acknowledged. */
  stop(): Promise<void>;
  /** Stops at once; batches not yet acknowledged are given up (for a Collector that cannot come back). */
  abandon(): Promise<void>;
}

function batchRequest(
  first: number,
  count: number,
  attributes: LogRecord['attributes'],
): ExportLogsServiceRequest {
  const now = BigInt(Date.now()) * 1_000_000n;
  const logRecords: LogRecord[] = [];
  for (let seq = first; seq < first + count; seq += 1) {
    logRecords.push({
      timeUnixNano: String(now),
      severityNumber: 9,
      severityText: 'INFO',
      body: { stringValue: `record ${seq}` },
      attributes: [{ key: SEQ_KEY, value: { intValue: String(seq) } }, ...(attributes ?? [])],
    });
  }
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'collector-config-test' } }] },
        scopeLogs: [{ scope: { name: 'collector-config-test' }, logRecords }],
      },
    ],
  };
}

/**
 * What an app with Lifeline does to the Collector, reduced to what the measurement needs: it
 * sends OTLP/HTTP protobuf requests (Lifeline's codec) and sends each one again until it gets a
 * 2xx, as Lifeline's disk-queued sender does. So every loss it sees afterwards is the
 * Collector's: a record the Collector acknowledged and never delivered.
 */
export function startLogTraffic(options: LogTrafficOptions): LogTraffic {
  const batchSize = options.batchSize ?? 20;
  const concurrency = options.concurrency ?? 4;
  const pauseMs = options.pauseMs ?? 50;
  const acked = new Set<number>();
  let next = 0;
  let failedAttempts = 0;
  let attempts = 0;
  let stopping = false;
  let abandoned = false;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const sendUntilAcked = async (body: Uint8Array): Promise<void> => {
    for (;;) {
      try {
        const url = options.urls[attempts++ % options.urls.length] ?? '';
        const response = await fetch(`${url}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: new Uint8Array(body),
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        if (response.status >= 200 && response.status < 300) return;
      } catch {
        // refused, reset or timed out: the Collector is down or restarting
      }
      if (abandoned) throw new Error('abandoned');
      failedAttempts += 1;
      await sleep(100);
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopping) {
      const first = next;
      next += batchSize;
      await sendUntilAcked(logsCodec.encode(batchRequest(first, batchSize, options.attributes)));
      for (let seq = first; seq < first + batchSize; seq += 1) acked.add(seq);
      await sleep(pauseMs);
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker().catch(() => undefined));

  return {
    acked,
    get failedAttempts() {
      return failedAttempts;
    },
    async stop() {
      stopping = true;
      await Promise.all(workers);
    },
    async abandon() {
      stopping = true;
      abandoned = true;
      await Promise.all(workers);
    },
  };
}

/** Sequence numbers of received log records, with how often each arrived. */
export function seqCounts(records: ReadonlyArray<{ record: LogRecord }>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { record } of records) {
    const attribute = record.attributes?.find((kv) => kv.key === SEQ_KEY);
    const value = attribute?.value?.intValue;
    if (value === undefined) continue;
    const seq = Number(value);
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  return counts;
}

/**
 * Loss and duplicates of `acked` against what the receivers got. Duplicates are split by where
 * they landed: `duplicatesAcrossReceivers` (a record at both, e.g. the primary took it but its
 * answer was lost and the batch went to the secondary) and `duplicatesWithinOneReceiver` (the
 * same receiver got it twice, e.g. the sender resent after the Collector died before answering).
 */
export function deliveryReport(acked: ReadonlySet<number>, ...received: Array<Map<number, number>>) {
  const total = new Map<number, number>();
  let duplicatesWithinOneReceiver = 0;
  for (const counts of received) {
    for (const [seq, n] of counts) {
      total.set(seq, (total.get(seq) ?? 0) + n);
      duplicatesWithinOneReceiver += n - 1;
    }
  }
  let lost = 0;
  for (const seq of acked) if (!total.has(seq)) lost += 1;
  let duplicates = 0;
  let delivered = 0;
  for (const n of total.values()) {
    delivered += n;
    duplicates += n - 1;
  }
  return {
    acked: acked.size,
    uniqueDelivered: total.size,
    delivered,
    lost,
    duplicates,
    duplicatesAcrossReceivers: duplicates - duplicatesWithinOneReceiver,
    duplicatesWithinOneReceiver,
  };
}
